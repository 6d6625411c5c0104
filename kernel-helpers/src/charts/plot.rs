//! The set-up every chart shares: the embedded font, the palettes, SVG and PNG output, the legend
//! strip, tick labels and the note chart. In one file so that every chart family draws alike and
//! imports its set-up from here (the families import nothing from each other but the histogram
//! counts the error charts reuse).

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::display::{Png, Svg};
use crate::error::{KitError, KitResult};

static FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
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

/// The six colours of charts with few series: the first six of [`PALETTE10`].
pub(crate) const PALETTE: [RGBColor; 6] = [
    PALETTE10[0],
    PALETTE10[1],
    PALETTE10[2],
    PALETTE10[3],
    PALETTE10[4],
    PALETTE10[5],
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

pub(super) fn render_png<F>(w: u32, h: u32, draw: F) -> KitResult<Png>
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels() {
        assert_eq!(short_num(1_500_000.0), "1.5M");
        assert_eq!(short_num(25_000.0), "25k");
        assert_eq!(short_num(3.0), "3");
        assert_eq!(short_num(0.25), "0.25");
    }
}
