//! Rich display in evcxr notebooks.
//!
//! evcxr shows a cell's final value by calling its inherent `evcxr_display(&self)` method, which
//! prints `EVCXR_BEGIN_CONTENT <mime>` … `EVCXR_END_CONTENT` blocks to stdout. Tables print a
//! `text/html` table plus a `text/plain` fallback; charts print `image/svg+xml` or `image/png`.
//! Outside a notebook every type also implements `Display` (the plain-text form).

use std::fmt;

use base64::Engine as _;
use polars::prelude::{AnyValue, DataFrame};

use crate::frames::local_frame;

fn emit(mime: &str, content: &str) {
    println!("EVCXR_BEGIN_CONTENT {mime}\n{content}\nEVCXR_END_CONTENT");
}

/// Escapes `&`, `<`, `>` and `"` for HTML.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// A table of strings with a header, optional caption and optional footer note.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows (each as long as `columns`).
    pub rows: Vec<Vec<String>>,
    /// Caption shown above the table.
    pub caption: Option<String>,
    /// A note under the table (e.g. "5 of 430 941 rows").
    pub note: Option<String>,
}

impl Table {
    /// An empty table with these columns.
    pub fn new<I, S>(columns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Table {
            columns: columns.into_iter().map(Into::into).collect(),
            ..Default::default()
        }
    }
    /// Appends a row (padded or truncated to the column count).
    pub fn push<I, S>(&mut self, row: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut r: Vec<String> = row.into_iter().map(Into::into).collect();
        r.resize(self.columns.len(), String::new());
        self.rows.push(r);
    }
    /// Sets the caption.
    pub fn with_caption(mut self, c: impl Into<String>) -> Self {
        self.caption = Some(c.into());
        self
    }
    /// Sets the note.
    pub fn with_note(mut self, n: impl Into<String>) -> Self {
        self.note = Some(n.into());
        self
    }

    /// The HTML table.
    pub fn to_html(&self) -> String {
        let mut h = String::from("<table class=\"dataframe\" border=\"1\">");
        if let Some(c) = &self.caption {
            h.push_str(&format!("<caption>{}</caption>", escape_html(c)));
        }
        h.push_str("<thead><tr>");
        for c in &self.columns {
            h.push_str(&format!("<th>{}</th>", escape_html(c)));
        }
        h.push_str("</tr></thead><tbody>");
        for r in &self.rows {
            h.push_str("<tr>");
            for v in r {
                let align = if v.parse::<f64>().is_ok() {
                    " style=\"text-align:right\""
                } else {
                    ""
                };
                h.push_str(&format!("<td{align}>{}</td>", escape_html(v)));
            }
            h.push_str("</tr>");
        }
        h.push_str("</tbody></table>");
        if let Some(n) = &self.note {
            h.push_str(&format!("<p><small>{}</small></p>", escape_html(n)));
        }
        h
    }

    /// Aligned plain text.
    pub fn to_text(&self) -> String {
        let n = self.columns.len();
        let mut w: Vec<usize> = self.columns.iter().map(|c| c.chars().count()).collect();
        for r in &self.rows {
            for (i, v) in r.iter().enumerate().take(n) {
                w[i] = w[i].max(v.chars().count());
            }
        }
        let line = |cells: &[String]| {
            cells
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{c:<width$}", width = w[i]))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        };
        let mut out = String::new();
        if let Some(c) = &self.caption {
            out.push_str(c);
            out.push('\n');
        }
        out.push_str(&line(&self.columns));
        out.push('\n');
        out.push_str(
            &w.iter()
                .map(|k| "-".repeat(*k))
                .collect::<Vec<_>>()
                .join("  "),
        );
        for r in &self.rows {
            out.push('\n');
            out.push_str(&line(r));
        }
        if let Some(nt) = &self.note {
            out.push('\n');
            out.push_str(nt);
        }
        out
    }

    /// evcxr display: `text/html` with a `text/plain` fallback.
    pub fn evcxr_display(&self) {
        emit("text/plain", &self.to_text());
        emit("text/html", &self.to_html());
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// A cell value as text (strings unquoted, nulls empty).
pub fn cell_text(v: &AnyValue<'_>) -> String {
    match v {
        AnyValue::Null => String::new(),
        AnyValue::String(s) => (*s).to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        AnyValue::Float64(x) => format_float(*x),
        AnyValue::Float32(x) => format_float(f64::from(*x)),
        other => other.to_string(),
    }
}

fn format_float(x: f64) -> String {
    if x.is_finite() && x == x.trunc() && x.abs() < 1e15 {
        format!("{x:.1}")
    } else if x.is_finite() && (x.abs() >= 1e-4 || x == 0.0) && x.abs() < 1e15 {
        let s = format!("{x:.6}");
        s.trim_end_matches('0').to_string()
    } else {
        format!("{x:e}")
    }
}

/// The first `max_rows` rows of a DataFrame as a [`Table`], with a "shape" note.
pub fn frame_head(df: &DataFrame, max_rows: usize) -> Table {
    let df = &local_frame(df);
    let columns: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut t = Table::new(columns);
    let n = df.height().min(max_rows);
    let cols: Vec<&polars::prelude::Column> = t
        .columns
        .iter()
        .filter_map(|name| df.column(name.as_str()).ok())
        .collect();
    for i in 0..n {
        let row: Vec<String> = cols
            .iter()
            .map(|c| c.get(i).map(|v| cell_text(&v)).unwrap_or_default())
            .collect();
        t.push(row);
    }
    t.with_note(format!(
        "{} rows × {} columns{}",
        df.height(),
        df.width(),
        if df.height() > n {
            format!(" (first {n} shown)")
        } else {
            String::new()
        }
    ))
}

/// A whole DataFrame (up to 50 rows) as a [`Table`].
pub fn frame(df: &DataFrame) -> Table {
    let df = &local_frame(df);
    frame_head(df, 50)
}

/// Raw HTML.
#[derive(Debug, Clone, PartialEq)]
pub struct Html(pub String);

impl Html {
    /// evcxr display.
    pub fn evcxr_display(&self) {
        emit("text/html", &self.0);
    }
}

/// An SVG document.
#[derive(Debug, Clone, PartialEq)]
pub struct Svg(pub String);

impl Svg {
    /// evcxr display as `image/svg+xml`.
    pub fn evcxr_display(&self) {
        emit("image/svg+xml", &self.0);
    }
    /// Writes the SVG to a file.
    pub fn save(&self, path: impl AsRef<std::path::Path>) -> std::io::Result<()> {
        std::fs::write(path, &self.0)
    }
}

impl fmt::Display for Svg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<svg document, {} bytes>", self.0.len())
    }
}

/// A PNG image.
#[derive(Debug, Clone, PartialEq)]
pub struct Png(pub Vec<u8>);

impl Png {
    /// evcxr display as base64 `image/png`.
    pub fn evcxr_display(&self) {
        emit(
            "image/png",
            &base64::engine::general_purpose::STANDARD.encode(&self.0),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;

    #[test]
    fn table_html_and_text() {
        let mut t = Table::new(["code", "share %"]).with_caption("EventCode <top>");
        t.push(["042", "12.5"]);
        t.push(["043"]);
        let h = t.to_html();
        assert!(h.starts_with("<table"), "{h}");
        assert!(h.contains("<caption>EventCode &lt;top&gt;</caption>"));
        assert!(h.contains("<th>share %</th>"));
        assert!(h.contains("<td style=\"text-align:right\">12.5</td>"));
        assert_eq!(t.rows[1], vec!["043".to_string(), String::new()]);
        let txt = t.to_text();
        assert_eq!(txt.lines().nth(1), Some("code  share %"));
        assert_eq!(txt.lines().nth(3), Some("042   12.5"));
    }

    #[test]
    fn frame_head_limits_rows_and_formats_cells() {
        let df = df!(
            "EventCode" => ["042", "043", "010"],
            "AvgTone" => [1.5f64, -2.25, 3.0],
            "n" => [Some(1i64), None, Some(3)]
        )
        .unwrap();
        let t = frame_head(&df, 2);
        assert_eq!(t.columns, vec!["EventCode", "AvgTone", "n"]);
        assert_eq!(
            t.rows,
            vec![vec!["042", "1.5", "1"], vec!["043", "-2.25", ""]]
        );
        assert_eq!(
            t.note.as_deref(),
            Some("3 rows × 3 columns (first 2 shown)")
        );
    }

    #[test]
    fn escaping() {
        assert_eq!(
            escape_html("a<b & \"c\">"),
            "a&lt;b &amp; &quot;c&quot;&gt;"
        );
    }
}
