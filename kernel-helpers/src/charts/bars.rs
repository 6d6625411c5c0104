//! Bar charts: the plain [`bar_chart`] and notebook 2's job charts (training time, throughput per
//! host, the phase timeline) built on the same bar drawing. One family because they share
//! `draw_bars` and the "no jobs" note.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::plot::{LEGEND_STRIP, PALETTE, de, legend_strip, note_chart, render_svg, short_num};
use crate::display::Svg;
use crate::error::KitResult;
use crate::job::TrainingJob;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::Transition;

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
        let s = job_durations_chart(&[]).unwrap();
        assert!(s.0.contains("no training jobs to compare yet"));
    }
}
