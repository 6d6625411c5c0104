//! Charts for the notebooks, drawn with plotters into SVG (and PNG where a raster is handier).
//!
//! plotters is built with `ab_glyph` instead of its default `ttf` feature (which needs
//! fontconfig/freetype system libraries), so text needs a registered font: the vendored
//! DejaVu Sans (`assets/fonts/DejaVuSans.ttf`, Bitstream Vera licence) is embedded and
//! registered once per process as `sans-serif` by [`ensure_font`].
//!
//! One chart family per file, all drawing through the shared set-up in `plot.rs` (the font, the
//! palettes, SVG/PNG output, the legend strip, tick labels, the "nothing to draw" note):
//! `histograms.rs` (column histograms), `bars.rs` (bar charts and notebook 2's job charts),
//! `errors.rs` (error distributions and ECDFs, on the histogram counts) and `xy.rs` (line and
//! scatter charts of (x, y) series). Everything is re-exported here, so every
//! `kernel_helpers::charts::…` path is the one it was.

mod bars;
mod errors;
mod histograms;
mod plot;
mod xy;

pub use bars::{bar_chart, job_durations_chart, job_timeline_chart, throughput_chart};
pub use errors::{ecdf_points, error_charts, error_distributions};
pub use histograms::{histogram, histogram_grid, histogram_grid_png, histogram_with_overflow};
pub use plot::{LEGEND_STRIP, ensure_font, legend_strip, note_chart, short_num};
pub use xy::{labelled_scatter_chart, line_chart, value_range};
