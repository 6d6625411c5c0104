//! Charts for the notebooks, drawn with plotters into SVG (and PNG where a raster is handier).
//!
//! plotters is built with `ab_glyph` instead of its default `ttf` feature (which needs
//! fontconfig/freetype system libraries), so text needs a registered font: the vendored
//! DejaVu Sans (`assets/fonts/DejaVuSans.ttf`, Bitstream Vera licence) is embedded and
//! registered once per process as `sans-serif` by [`ensure_font`].

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::FontStyle;
use polars::prelude::DataFrame;

use crate::display::{Png, Svg};
use crate::error::{KitError, KitResult};
use crate::frames::column_f64;
use crate::job::TrainingJob;
use crate::stats::{ErrorSummary, quantile};

static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static FONT: OnceLock<Result<(), String>> = OnceLock::new();

/// Registers the vendored font as `sans-serif` (once; later calls return the first result).
pub fn ensure_font() -> KitResult<()> {
    FONT.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT_BYTES)
            .map_err(|_| "the embedded DejaVuSans.ttf is not a valid font".to_string())
    })
    .clone()
    .map_err(KitError::msg)
}

pub(crate) fn de<E: std::fmt::Debug>(e: E) -> KitError {
    KitError::msg(format!("drawing the chart failed: {e:?}"))
}

pub(crate) const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

pub(crate) fn render_svg<F>(w: u32, h: u32, draw: F) -> KitResult<Svg>
where
    F: FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> KitResult<()>,
{
    ensure_font()?;
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(de)?;
        draw(&root)?;
        root.present().map_err(de)?;
    }
    Ok(Svg(s))
}

fn render_png<F>(w: u32, h: u32, draw: F) -> KitResult<Png>
where
    F: FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> KitResult<()>,
{
    ensure_font()?;
    let dir = std::env::temp_dir().join(format!("kit-chart-{}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .map_err(|e| KitError::msg(format!("creating {}: {e}", dir.display())))?;
    let path = dir.join(format!(
        "{}.png",
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
    ));
    {
        let root = BitMapBackend::new(&path, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(de)?;
        draw(&root)?;
        root.present().map_err(de)?;
    }
    let bytes = std::fs::read(&path)
        .map_err(|e| KitError::msg(format!("reading {}: {e}", path.display())))?;
    let _ = std::fs::remove_file(&path);
    Ok(Png(bytes))
}

/// Width of the strip right of a plot that holds its legend ([`legend_strip`]).
pub const LEGEND_STRIP: u32 = 170;

/// Draws a legend (a swatch and a name per entry, top to bottom) into `area`, a strip of the
/// figure that holds no data: a legend drawn inside the plot can hide bars or curves (it hid the
/// end of the replicated bar in the phase timeline).
pub fn legend_strip<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(String, RGBColor)],
    top: i32,
) -> KitResult<()> {
    for (i, (name, color)) in entries.iter().enumerate() {
        let y = top + 22 * i as i32;
        area.draw(&Rectangle::new([(8, y), (20, y + 12)], color.filled()))
            .map_err(de)?;
        area.draw(&Text::new(
            name.clone(),
            (26, y),
            ("sans-serif", 13).into_font().color(&BLACK),
        ))
        .map_err(de)?;
    }
    Ok(())
}

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

/// `12k`, `1.5M`, `0.25` style tick labels.
pub fn short_num(x: f64) -> String {
    let a = x.abs();
    if a >= 1e6 {
        format!("{:.1}M", x / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", x / 1e3)
    } else if a >= 100.0 || x == x.trunc() {
        format!("{x:.0}")
    } else if a >= 1.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
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

fn draw_bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    y_desc: &str,
    series: &[(&str, Vec<f64>)],
    labels: &[String],
) -> KitResult<()> {
    let n = labels.len().max(1);
    let ymax = series
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .fold(0.0f64, f64::max);
    let ymax = if ymax > 0.0 { ymax * 1.12 } else { 1.0 };
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(if labels.iter().any(|l| l.len() > 6) {
            60
        } else {
            30
        })
        .y_label_area_size(60)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..ymax)
        .map_err(de)?;
    let labels_owned = labels.to_vec();
    let fmt = move |x: &f64| {
        let r = x.round();
        if (x - r).abs() < 1e-6 && r >= 0.0 {
            labels_owned.get(r as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n)
        .x_label_formatter(&fmt)
        .y_desc(y_desc)
        .y_label_formatter(&|y| short_num(*y))
        .label_style(("sans-serif", 12))
        .draw()
        .map_err(de)?;
    let k = series.len().max(1) as f64;
    let group = 0.8;
    for (si, (name, values)) in series.iter().enumerate() {
        let color = PALETTE[si % PALETTE.len()];
        let x_off = -group / 2.0 + si as f64 * group / k;
        chart
            .draw_series(values.iter().enumerate().map(|(i, &v)| {
                let x0 = i as f64 + x_off;
                Rectangle::new([(x0, 0.0), (x0 + group / k, v)], color.filled())
            }))
            .map_err(de)?
            .label(*name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
        chart
            .draw_series(values.iter().enumerate().map(|(i, &v)| {
                let x = i as f64 + x_off + group / k / 2.0;
                Text::new(
                    short_num(v),
                    (x, v),
                    ("sans-serif", 11).into_font().color(&BLACK),
                )
            }))
            .map_err(de)?;
    }
    Ok(())
}

/// [`draw_bars`] with, for several series, the legend in a strip right of the plot.
fn draw_bars_with_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    y_desc: &str,
    series: &[(&str, Vec<f64>)],
    labels: &[String],
) -> KitResult<()> {
    if series.len() < 2 {
        return draw_bars(root, title, y_desc, series, labels);
    }
    let (w, _) = root.dim_in_pixel();
    let (plot, strip) = root.split_horizontally(w.saturating_sub(LEGEND_STRIP));
    draw_bars(&plot, title, y_desc, series, labels)?;
    let entries: Vec<(String, RGBColor)> = series
        .iter()
        .enumerate()
        .map(|(i, (n, _))| ((*n).to_string(), PALETTE[i % PALETTE.len()]))
        .collect();
    legend_strip(&strip, &entries, 40)
}

/// A bar chart of `values` by `labels`.
pub fn bar_chart(title: &str, y_desc: &str, labels: &[String], values: &[f64]) -> KitResult<Svg> {
    let w = (80 + 45 * labels.len() as u32).clamp(480, 1100);
    render_svg(w, 380, |root| {
        draw_bars(root, title, y_desc, &[("", values.to_vec())], labels)
    })
}

/// A small chart that only says `message` (what the job charts show when there are no jobs).
pub fn note_chart(message: &str) -> KitResult<Svg> {
    render_svg(640, 80, |root| {
        root.draw(&Text::new(
            message.to_string(),
            (12, 30),
            ("sans-serif", 16).into_font(),
        ))
        .map_err(de)
    })
}

const NO_JOBS: &str = "no training jobs to compare yet";

/// Training time of each job from its TrainingStartTime → TrainingEndTime timestamps (seconds,
/// sub-second): the whole-second `TrainingTimeInSeconds` would draw equal 1 s bars on a quick run.
pub fn job_durations_chart(jobs: &[TrainingJob]) -> KitResult<Svg> {
    if jobs.is_empty() {
        return note_chart(NO_JOBS);
    }
    let labels: Vec<String> = jobs.iter().map(|j| j.train_distribution.clone()).collect();
    let train: Vec<f64> = jobs
        .iter()
        .map(|j| j.training_seconds().unwrap_or(0.0))
        .collect();
    render_svg(720, 400, |root| {
        draw_bars(
            root,
            "Training time, TrainingStartTime → TrainingEndTime (s)",
            "seconds",
            &[("training time", train)],
            &labels,
        )
    })
}

/// Mean train throughput per host for each job (records/second).
pub fn throughput_chart(per_job: &[(String, Vec<(String, f64)>)]) -> KitResult<Svg> {
    if per_job.iter().all(|(_, h)| h.is_empty()) {
        return note_chart("no #throughput_metric lines in the jobs' logs");
    }
    let mut hosts: Vec<String> = per_job
        .iter()
        .flat_map(|(_, h)| h.iter().map(|(n, _)| n.clone()))
        .collect();
    hosts.sort_by_key(|h| (h.len(), h.clone()));
    hosts.dedup();
    let series: Vec<(&str, Vec<f64>)> = per_job
        .iter()
        .map(|(job, hv)| {
            let vals = hosts
                .iter()
                .map(|h| {
                    hv.iter()
                        .find(|(n, _)| n == h)
                        .map(|(_, v)| *v)
                        .unwrap_or(0.0)
                })
                .collect();
            (job.as_str(), vals)
        })
        .collect();
    render_svg(820 + LEGEND_STRIP, 400, |root| {
        draw_bars_with_legend(
            root,
            "Train throughput per host",
            "records / second",
            &series,
            &hosts,
        )
    })
}

/// A timeline (one row per job) of the secondary-status phases, in seconds since each job's creation.
pub fn job_timeline_chart(jobs: &[TrainingJob]) -> KitResult<Svg> {
    if jobs.is_empty() {
        return note_chart(NO_JOBS);
    }
    let mut statuses: Vec<String> = Vec::new();
    for j in jobs {
        for t in &j.transitions {
            if !statuses.contains(&t.status) {
                statuses.push(t.status.clone());
            }
        }
    }
    let xmax = jobs
        .iter()
        .flat_map(|j| {
            j.transitions
                .iter()
                .map(move |t| t.end.unwrap_or(t.start) - j.creation_time)
        })
        .fold(1.0f64, f64::max)
        * 1.05;
    let n = jobs.len().max(1);
    render_svg(900 + LEGEND_STRIP, 120 + 70 * n as u32, |root| {
        let labels: Vec<String> = jobs.iter().map(|j| j.train_distribution.clone()).collect();
        // The legend gets its own strip right of the plot: inside the plot it covered the end of
        // the longest bar.
        let (plot, strip) = root.split_horizontally(900);
        let entries: Vec<(String, RGBColor)> = statuses
            .iter()
            .enumerate()
            .map(|(i, st)| (st.clone(), PALETTE[i % PALETTE.len()]))
            .collect();
        legend_strip(&strip, &entries, 40)?;
        let mut chart = ChartBuilder::on(&plot)
            .caption(
                "Training job phases (SecondaryStatusTransitions)",
                ("sans-serif", 18),
            )
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(130)
            .build_cartesian_2d(0f64..xmax, -0.5f64..(n as f64 - 0.5))
            .map_err(de)?;
        let fmt = move |y: &f64| {
            let r = y.round();
            if (y - r).abs() < 1e-6 && r >= 0.0 {
                labels.get(r as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n)
            .y_label_formatter(&fmt)
            .x_desc("seconds since CreationTime")
            .label_style(("sans-serif", 12))
            .draw()
            .map_err(de)?;
        for (si, st) in statuses.iter().enumerate() {
            let color = PALETTE[si % PALETTE.len()];
            let rects: Vec<_> = jobs
                .iter()
                .enumerate()
                .flat_map(|(ji, j)| {
                    j.transitions
                        .iter()
                        .filter(|t| &t.status == st)
                        .map(move |t| {
                            let x0 = t.start - j.creation_time;
                            let x1 =
                                (t.end.unwrap_or(t.start) - j.creation_time).max(x0 + xmax * 0.003);
                            let y = ji as f64;
                            Rectangle::new([(x0, y - 0.3), (x1, y + 0.3)], color.filled())
                        })
                })
                .collect();
            chart.draw_series(rects).map_err(de)?;
        }
        Ok(())
    })
}

/// Absolute-error distributions of two (or more) models: one histogram per model on shared axes,
/// plus an ECDF panel with all models.
pub fn error_distributions(models: &[(&str, &[f64])], bins: usize) -> KitResult<Svg> {
    let all: Vec<f64> = models.iter().flat_map(|(_, v)| v.iter().copied()).collect();
    // Clip the x range at the 99.5th percentile so a long tail does not squash the bars.
    let mut sorted: Vec<f64> = all.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let hi = quantile(&sorted, 0.995).max(1e-9);
    let lo = 0.0f64.min(sorted.first().copied().unwrap_or(0.0));
    // The last bin is an overflow bin: it also counts every error above `hi` (the x range ends
    // at the 99.5th percentile so that a long tail does not squash the bars), and says so.
    let hists: Vec<Vec<u64>> = models
        .iter()
        .map(|(_, v)| histogram_with_overflow(v, bins, lo, hi))
        .collect();
    let last_edge = lo + (hi - lo) * (bins.max(1) - 1) as f64 / bins.max(1) as f64;
    let ymax = hists.iter().flatten().copied().max().unwrap_or(1).max(1) as f64 * 1.05;
    let k = models.len() + 1;
    render_svg(340 * k as u32, 340, |root| {
        let areas = root.split_evenly((1, k));
        let width = (hi - lo) / bins.max(1) as f64;
        for (mi, ((name, _), h)) in models.iter().zip(&hists).enumerate() {
            let mut chart = ChartBuilder::on(&areas[mi])
                .caption(format!("{name}: |error|"), ("sans-serif", 16))
                .margin(8)
                .x_label_area_size(30)
                .y_label_area_size(55)
                .build_cartesian_2d(lo..hi, 0f64..ymax)
                .map_err(de)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_desc(format!(
                    "absolute error (last bar: ≥ {}, all larger errors)",
                    short_num(last_edge)
                ))
                .y_label_formatter(&|y| short_num(*y))
                .label_style(("sans-serif", 11))
                .draw()
                .map_err(de)?;
            let color = PALETTE[mi % PALETTE.len()];
            let last = h.last().copied().unwrap_or(0);
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("≥ {}: {}", short_num(last_edge), short_num(last as f64)),
                    (
                        last_edge - (hi - lo) * 0.25,
                        (last as f64 + ymax * 0.06).min(ymax * 0.95),
                    ),
                    ("sans-serif", 11).into_font().color(&BLACK),
                )))
                .map_err(de)?;
            chart
                .draw_series(h.iter().enumerate().map(|(i, &c)| {
                    let x0 = lo + i as f64 * width;
                    Rectangle::new(
                        [(x0, 0.0), (x0 + width, c as f64)],
                        color.mix(0.85).filled(),
                    )
                }))
                .map_err(de)?;
        }
        let mut chart = ChartBuilder::on(&areas[k - 1])
            .caption("ECDF of |error|", ("sans-serif", 16))
            .margin(8)
            .x_label_area_size(30)
            .y_label_area_size(45)
            .build_cartesian_2d(lo..hi, 0f64..1.0)
            .map_err(de)?;
        chart
            .configure_mesh()
            .x_desc("absolute error")
            .label_style(("sans-serif", 11))
            .draw()
            .map_err(de)?;
        for (mi, (name, v)) in models.iter().enumerate() {
            let color = PALETTE[mi % PALETTE.len()];
            let pts = ecdf_points(v, 400);
            chart
                .draw_series(LineSeries::new(pts, color.stroke_width(2)))
                .map_err(de)?
                .label(*name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 14, y)], color.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::LowerRight)
            .label_font(("sans-serif", 12))
            .draw()
            .map_err(de)?;
        Ok(())
    })
}

/// [`error_distributions`] of the absolute errors of several models.
pub fn error_charts(models: &[&ErrorSummary], bins: usize) -> KitResult<Svg> {
    let named: Vec<(&str, &[f64])> = models
        .iter()
        .map(|m| (m.name.as_str(), m.abs_errors.as_slice()))
        .collect();
    error_distributions(&named, bins)
}

/// Ten distinguishable colours (matplotlib's tab10) for charts with more series than [`PALETTE`].
pub(crate) const PALETTE10: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The y range of a chart of `values`: the data with a margin of a tenth of their range, but at
/// least ±0.5 % of their mean, so that differences of a few hundredths of a percent are drawn
/// as the near-flat lines they are instead of filling the plot.
pub fn value_range(values: &[f64]) -> (f64, f64) {
    let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return (0.0, 1.0);
    }
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    let pad = ((hi - lo) * 0.1).max(mean.abs() * 0.005).max(1e-9);
    (lo - pad, hi + pad)
}

fn x_range(xs: impl Iterator<Item = f64>) -> (f64, f64) {
    let v: Vec<f64> = xs.filter(|x| x.is_finite()).collect();
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.06).max(0.5);
    (lo - pad, hi + pad)
}

/// The plot area of [`line_chart`] and [`labelled_scatter_chart`]: the caption, two f64 axes
/// with their descriptions, x labels by [`short_num`], y labels to 4 decimals.
fn xy_plot<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
    (x_desc, x): (&str, std::ops::Range<f64>),
    (y_desc, y): (&str, std::ops::Range<f64>),
) -> KitResult<ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>> {
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 17))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(x, y)
        .map_err(de)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&|x| short_num(*x))
        .y_label_formatter(&|y| format!("{y:.4}"))
        .label_style(("sans-serif", 12))
        .draw()
        .map_err(de)?;
    Ok(chart)
}

/// Lines with a marker at every point, one per named series of (x, y), the legend in a strip
/// right of the plot. Series with no points are left out; with none at all, a note.
pub fn line_chart(
    title: &str,
    x_desc: &str,
    y_desc: &str,
    series: &[(String, Vec<(f64, f64)>)],
) -> KitResult<Svg> {
    let series: Vec<&(String, Vec<(f64, f64)>)> =
        series.iter().filter(|(_, p)| !p.is_empty()).collect();
    if series.is_empty() {
        return note_chart(&format!("{title}: nothing to draw (no completed jobs)"));
    }
    let all = || series.iter().flat_map(|(_, p)| p.iter());
    let (x0, x1) = x_range(all().map(|p| p.0));
    let ys: Vec<f64> = all().map(|p| p.1).collect();
    let (y0, y1) = value_range(&ys);
    render_svg(760 + LEGEND_STRIP, 420, |root| {
        let (w, _) = root.dim_in_pixel();
        let (plot, strip) = root.split_horizontally(w.saturating_sub(LEGEND_STRIP));
        let mut chart = xy_plot(&plot, title, (x_desc, x0..x1), (y_desc, y0..y1))?;
        let mut entries = Vec::new();
        for (i, (name, points)) in series.iter().enumerate() {
            let color = PALETTE10[i % PALETTE10.len()];
            chart
                .draw_series(LineSeries::new(
                    points.iter().copied(),
                    color.stroke_width(2),
                ))
                .map_err(de)?;
            chart
                .draw_series(points.iter().map(|&p| Circle::new(p, 4, color.filled())))
                .map_err(de)?;
            entries.push((name.clone(), color));
        }
        legend_strip(&strip, &entries, 40)
    })
}

/// A scatter of labelled points (series, label, x, y): one colour per series, the label next to
/// each point, the legend in a strip right of the plot.
pub fn labelled_scatter_chart(
    title: &str,
    x_desc: &str,
    y_desc: &str,
    points: &[(String, String, f64, f64)],
) -> KitResult<Svg> {
    let points: Vec<&(String, String, f64, f64)> = points
        .iter()
        .filter(|p| p.2.is_finite() && p.3.is_finite())
        .collect();
    if points.is_empty() {
        return note_chart(&format!("{title}: nothing to draw (no completed jobs)"));
    }
    let mut names: Vec<String> = Vec::new();
    for p in &points {
        if !names.contains(&p.0) {
            names.push(p.0.clone());
        }
    }
    let xs: Vec<f64> = points.iter().map(|p| p.2).collect();
    let lo = 0.0;
    let hi = xs.iter().copied().fold(0.0f64, f64::max);
    let hi = if hi > 0.0 { hi * 1.15 } else { 1.0 };
    let ys: Vec<f64> = points.iter().map(|p| p.3).collect();
    let (y0, y1) = value_range(&ys);
    render_svg(820 + LEGEND_STRIP, 460, |root| {
        let (w, _) = root.dim_in_pixel();
        let (plot, strip) = root.split_horizontally(w.saturating_sub(LEGEND_STRIP));
        let mut chart = xy_plot(&plot, title, (x_desc, lo..hi), (y_desc, y0..y1))?;
        for (series, label, x, y) in &points {
            let i = names.iter().position(|n| n == series).unwrap_or(0);
            let color = PALETTE10[i % PALETTE10.len()];
            chart
                .draw_series(std::iter::once(Circle::new((*x, *y), 5, color.filled())))
                .map_err(de)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    label.clone(),
                    (*x, *y),
                    ("sans-serif", 11).into_font().color(&BLACK),
                )))
                .map_err(de)?;
        }
        let entries: Vec<(String, RGBColor)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), PALETTE10[i % PALETTE10.len()]))
            .collect();
        legend_strip(&strip, &entries, 40)
    })
}

/// Up to `max_points` (value, fraction ≤ value) points of the empirical CDF.
pub fn ecdf_points(values: &[f64], max_points: usize) -> Vec<(f64, f64)> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return Vec::new();
    }
    let step = n.div_ceil(max_points.max(1)).max(1);
    let mut pts: Vec<(f64, f64)> = (0..n)
        .step_by(step)
        .map(|i| (v[i], (i + 1) as f64 / n as f64))
        .collect();
    if pts.last().map(|p| p.1) != Some(1.0) {
        pts.push((v[n - 1], 1.0));
    }
    pts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::Transition;
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
    fn line_and_scatter_charts_draw_every_series() {
        let series = vec![
            (
                "replicated".to_string(),
                vec![(1.0, 1.46), (2.0, 1.4601), (8.0, 1.4598)],
            ),
            ("sharded".to_string(), vec![(1.0, 1.4602), (5.0, 1.4600)]),
            ("empty".to_string(), vec![]),
        ];
        let svg = line_chart("Test MAE by instances", "instances", "MAE", &series).unwrap();
        assert!(svg.0.contains("replicated") && svg.0.contains("sharded"));
        assert!(
            !svg.0.contains(">empty<"),
            "empty series are left out of the legend"
        );
        assert!(svg.0.matches("<circle").count() >= 5);
        let none = line_chart("t", "x", "y", &[("a".to_string(), vec![])]).unwrap();
        assert!(none.0.contains("nothing to draw"));
        let pts = vec![
            ("replicated".to_string(), "×8".to_string(), 0.01, 1.46),
            ("sharded".to_string(), "×1".to_string(), 0.0002, 1.4601),
        ];
        let svg = labelled_scatter_chart("spend", "USD", "MAE", &pts).unwrap();
        assert!(svg.0.contains("×8") && svg.0.contains("×1"));
        // A 0.01 % difference stays a small part of the axis.
        let (lo, hi) = value_range(&[1.46, 1.4601]);
        assert!(hi - lo >= 0.01 * 1.46 * 0.99, "{lo} {hi}");
    }

    #[test]
    fn ecdf_ends_at_one() {
        let p = ecdf_points(&[3.0, 1.0, 2.0, 4.0], 2);
        assert_eq!(p.first(), Some(&(1.0, 0.25)));
        assert_eq!(p.last(), Some(&(4.0, 1.0)));
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

    #[test]
    fn job_charts_render() {
        let job = |dist: &str, t: f64| TrainingJob {
            name: format!("DEMO-{dist}"),
            status: "Completed".into(),
            secondary_status: "Completed".into(),
            failure_reason: None,
            model_artifacts: String::new(),
            training_image: String::new(),
            instance_count: 5,
            train_distribution: dist.into(),
            creation_time: 100.0,
            training_start: Some(102.0),
            training_end: Some(100.0 + t),
            training_time_s: Some(t),
            billable_time_s: Some(5.0 * t),
            transitions: vec![
                Transition {
                    status: "Starting".into(),
                    start: 100.0,
                    end: Some(102.0),
                    message: String::new(),
                },
                Transition {
                    status: "Training".into(),
                    start: 102.0,
                    end: Some(100.0 + t),
                    message: String::new(),
                },
                Transition {
                    status: "Completed".into(),
                    start: 100.0 + t,
                    end: Some(100.0 + t),
                    message: String::new(),
                },
            ],
            final_metrics: vec![],
        };
        let jobs = vec![job("FullyReplicated", 40.0), job("ShardedByS3Key", 11.0)];
        let s = job_durations_chart(&jobs).unwrap();
        assert!(s.0.contains("TrainingStartTime") && s.0.contains("11"));
        let s = job_timeline_chart(&jobs).unwrap();
        assert!(s.0.contains("Starting") && s.0.contains("ShardedByS3Key"));
        let s = throughput_chart(&[
            (
                "replicated".into(),
                vec![("algo-1".into(), 100.0), ("algo-2".into(), 90.0)],
            ),
            ("sharded".into(), vec![("algo-1".into(), 300.0)]),
        ])
        .unwrap();
        assert!(s.0.contains("algo-2"));
        let a = [0.1, 0.5, 1.0, 2.0];
        let b = [0.2, 0.4, 1.5, 3.0];
        let s = error_distributions(&[("replicated", &a), ("sharded", &b)], 20).unwrap();
        assert!(s.0.contains("ECDF") && s.0.contains("<polyline"));
        assert!(
            s.0.contains("all larger errors"),
            "the overflow bin is labelled"
        );
        let s = job_durations_chart(&[]).unwrap();
        assert!(s.0.contains("no training jobs to compare yet"));
    }

    #[test]
    fn tick_labels() {
        assert_eq!(short_num(1_500_000.0), "1.5M");
        assert_eq!(short_num(25_000.0), "25k");
        assert_eq!(short_num(3.0), "3");
        assert_eq!(short_num(0.25), "0.25");
    }
}
