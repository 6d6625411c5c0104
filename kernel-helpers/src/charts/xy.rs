//! Charts of (x, y) series (notebooks 2 and 4): lines with markers and labelled scatters, on one
//! plot area (`xy_plot`) with y ranges that keep tiny differences flat. Their own file because
//! the plot area and the ranges serve only these two charts.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::plot::{LEGEND_STRIP, PALETTE10, de, legend_strip, note_chart, render_svg, short_num};
use crate::display::Svg;
use crate::error::KitResult;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
