//! Histograms of a frame's columns (notebook 1) and the bin counts the error charts reuse. Their
//! own file because the counting and the panel grid belong together and need nothing but the
//! shared set-up.

use plotters::coord::Shift;
use plotters::prelude::*;
use polars::prelude::DataFrame;

use super::plot::{PALETTE, de, render_png, render_svg, short_num};
use crate::display::{Png, Svg};
use crate::error::KitResult;
use crate::frames::column_f64;

/// Counts of `values` in `bins` equal-width bins over `[lo, hi]` (the last bin closed).
pub fn histogram(values: &[f64], bins: usize, lo: f64, hi: f64) -> Vec<u64> {
    let mut counts = vec![0u64; bins.max(1)];
    let width = (hi - lo) / counts.len() as f64;
    for &v in values {
        if !v.is_finite() || v < lo || v > hi {
            continue;
        }
        let mut i = if width > 0.0 {
            ((v - lo) / width) as usize
        } else {
            0
        };
        if i >= counts.len() {
            i = counts.len() - 1;
        }
        counts[i] += 1;
    }
    counts
}

/// Like [`histogram`], but every value above `hi` is counted in the last bin (an overflow bin:
/// the charts label it as "≥ its left edge"), so no row is left out of the picture.
pub fn histogram_with_overflow(values: &[f64], bins: usize, lo: f64, hi: f64) -> Vec<u64> {
    let mut counts = histogram(values, bins, lo, hi);
    let over = values.iter().filter(|v| v.is_finite() && **v > hi).count() as u64;
    if let Some(last) = counts.last_mut() {
        *last += over;
    }
    counts
}

fn min_max(values: &[f64]) -> (f64, f64) {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for &v in values.iter().filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi <= lo {
        return (lo - 0.5, hi + 0.5);
    }
    (lo, hi)
}

struct HistPanel {
    title: String,
    lo: f64,
    hi: f64,
    counts: Vec<u64>,
}

fn hist_panels(df: &DataFrame, columns: &[&str], bins: usize) -> KitResult<Vec<HistPanel>> {
    columns
        .iter()
        .map(|c| {
            let v = column_f64(df, c)?;
            let (lo, hi) = min_max(&v);
            Ok(HistPanel {
                title: (*c).to_string(),
                lo,
                hi,
                counts: histogram(&v, bins, lo, hi),
            })
        })
        .collect()
}

fn draw_hist_grid<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    panels: &[HistPanel],
    ncols: usize,
    log_y: bool,
) -> KitResult<()> {
    let ymax = panels
        .iter()
        .flat_map(|p| p.counts.iter().copied())
        .max()
        .unwrap_or(1)
        .max(1);
    let nrows = panels.len().div_ceil(ncols.max(1));
    let areas = root.split_evenly((nrows, ncols.max(1)));
    for (p, area) in panels.iter().zip(areas.iter()) {
        let width = (p.hi - p.lo) / p.counts.len() as f64;
        let mut chart = ChartBuilder::on(area)
            .caption(&p.title, ("sans-serif", 16))
            .margin(6)
            .x_label_area_size(28)
            .y_label_area_size(56)
            .build_cartesian_2d(p.lo..p.hi, 0f64..(ymax as f64 * 1.05))
            .map_err(de)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(5)
            .y_labels(5)
            .x_label_formatter(&|x| short_num(*x))
            .y_label_formatter(&|y| short_num(*y))
            .label_style(("sans-serif", 11))
            .draw()
            .map_err(de)?;
        let _ = log_y;
        chart
            .draw_series(p.counts.iter().enumerate().map(|(i, &c)| {
                let x0 = p.lo + i as f64 * width;
                Rectangle::new(
                    [(x0, 0.0), (x0 + width, c as f64)],
                    PALETTE[0].mix(0.8).filled(),
                )
            }))
            .map_err(de)?;
    }
    Ok(())
}

/// A grid of `bins`-bin histograms of `columns`, `ncols` per row, all sharing one y axis (count).
pub fn histogram_grid(
    df: &DataFrame,
    columns: &[&str],
    bins: usize,
    ncols: usize,
) -> KitResult<Svg> {
    // No local_frame here: hist_panels looks columns up through column_f64, which rebuilds the frame.
    let panels = hist_panels(df, columns, bins)?;
    let nrows = panels.len().div_ceil(ncols.max(1)) as u32;
    render_svg(300 * ncols.max(1) as u32, 230 * nrows.max(1), |root| {
        draw_hist_grid(root, &panels, ncols, false)
    })
}

/// The same grid as a PNG (smaller than the SVG when there are many panels).
pub fn histogram_grid_png(
    df: &DataFrame,
    columns: &[&str],
    bins: usize,
    ncols: usize,
) -> KitResult<Png> {
    // No local_frame here: hist_panels looks columns up through column_f64, which rebuilds the frame.
    let panels = hist_panels(df, columns, bins)?;
    let nrows = panels.len().div_ceil(ncols.max(1)) as u32;
    render_png(300 * ncols.max(1) as u32, 230 * nrows.max(1), |root| {
        draw_hist_grid(root, &panels, ncols, false)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;

    #[test]
    fn histogram_counts_and_edges() {
        let h = histogram(&[0.0, 0.5, 1.0, 2.0, 3.0, f64::NAN, 9.0], 3, 0.0, 3.0);
        assert_eq!(h, vec![2, 1, 2]);
    }

    #[test]
    fn overflow_bin_collects_every_larger_value() {
        let h =
            histogram_with_overflow(&[0.0, 0.5, 1.0, 2.0, 3.0, f64::NAN, 9.0, 12.0], 3, 0.0, 3.0);
        assert_eq!(h, vec![2, 1, 4]);
    }

    #[test]
    fn histogram_grid_svg_has_text_and_bars() {
        let df = df!(
            "NumArticles" => [1i64, 2, 2, 10, 3],
            "AvgTone" => [1.5f64, -2.0, 0.0, 3.25, 7.0],
            "EventCode" => ["042", "043", "042", "010", "190"]
        )
        .unwrap();
        let svg = histogram_grid(&df, &["NumArticles", "AvgTone", "EventCode"], 30, 2).unwrap();
        assert!(svg.0.starts_with("<svg"), "{}", &svg.0[..80]);
        assert!(svg.0.contains("NumArticles"));
        assert!(svg.0.contains("AvgTone"));
        assert!(svg.0.matches("<rect").count() >= 3 * 30);
        let png = histogram_grid_png(&df, &["AvgTone"], 10, 1).unwrap();
        assert_eq!(&png.0[..8], b"\x89PNG\r\n\x1a\n");
        assert!(histogram_grid(&df, &["missing"], 30, 1).is_err());
    }
}
