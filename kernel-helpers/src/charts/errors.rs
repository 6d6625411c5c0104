//! Notebook 3's error charts: absolute-error histograms per model with an ECDF panel. Their own
//! file because they combine the histogram counts with the ECDF, which nothing else draws.

use plotters::prelude::*;

use super::histograms::histogram_with_overflow;
use super::plot::{PALETTE, de, render_svg, short_num};
use crate::display::Svg;
use crate::error::KitResult;
use crate::stats::{ErrorSummary, quantile};

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

    #[test]
    fn ecdf_ends_at_one() {
        let p = ecdf_points(&[3.0, 1.0, 2.0, 4.0], 2);
        assert_eq!(p.first(), Some(&(1.0, 0.25)));
        assert_eq!(p.last(), Some(&(4.0, 1.0)));
    }

    #[test]
    fn error_distributions_render() {
        let a = [0.1, 0.5, 1.0, 2.0];
        let b = [0.2, 0.4, 1.5, 3.0];
        let s = error_distributions(&[("replicated", &a), ("sharded", &b)], 20).unwrap();
        assert!(s.0.contains("ECDF") && s.0.contains("<polyline"));
        assert!(
            s.0.contains("all larger errors"),
            "the overflow bin is labelled"
        );
    }
}
