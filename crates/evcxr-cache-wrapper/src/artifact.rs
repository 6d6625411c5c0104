//! rustc's artifact notices: with `--json=artifacts` (cargo always asks for it) rustc writes one
//! line `{"artifact":"<path>","emit":"<kind>"}` on stderr for each output file it finished
//! (<https://doc.rust-lang.org/rustc/json.html#artifact-notifications>). cargo reads the
//! `metadata` one to start dependent crates early; evcxr's cache stores the notices and reads them
//! back to know which files an entry holds.
//!
//! A reader for exactly that shape (an object whose values are all strings) instead of a JSON
//! crate: this binary is compiled by a single `rustc` call with no dependencies (`main.rs`).
//! Any other line, diagnostics included, is not a notice and is skipped.

use std::fmt;
use std::path::PathBuf;

/// One output file rustc reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    pub path: PathBuf,
    pub emit: String,
}

/// The notices among rustc's stderr lines.
pub fn read_artifacts(stderr: &str) -> Vec<Artifact> {
    stderr.lines().filter_map(parse_notice).collect()
}

fn parse_notice(line: &str) -> Option<Artifact> {
    let fields = string_object(line.trim())?;
    let mut path = None;
    let mut emit = None;
    for (name, value) in fields {
        match name.as_str() {
            "artifact" => path = Some(PathBuf::from(value)),
            "emit" => emit = Some(value),
            _ => {}
        }
    }
    Some(Artifact {
        path: path?,
        emit: emit?,
    })
}

/// `{"k":"v",…}` with string values only; None for anything else.
fn string_object(text: &str) -> Option<Vec<(String, String)>> {
    let mut chars = text.chars().peekable();
    let mut fields = Vec::new();
    skip_space(&mut chars);
    if chars.next()? != '{' {
        return None;
    }
    skip_space(&mut chars);
    if chars.peek() == Some(&'}') {
        chars.next();
    } else {
        loop {
            skip_space(&mut chars);
            let name = string(&mut chars)?;
            skip_space(&mut chars);
            if chars.next()? != ':' {
                return None;
            }
            skip_space(&mut chars);
            let value = string(&mut chars)?;
            fields.push((name, value));
            skip_space(&mut chars);
            match chars.next()? {
                ',' => continue,
                '}' => break,
                _ => return None,
            }
        }
    }
    skip_space(&mut chars);
    chars.next().is_none().then_some(fields)
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

fn skip_space(chars: &mut Chars<'_>) {
    while chars
        .peek()
        .is_some_and(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
    {
        chars.next();
    }
}

/// A JSON string, escapes decoded (RFC 8259 section 7).
fn string(chars: &mut Chars<'_>) -> Option<String> {
    if chars.next()? != '"' {
        return None;
    }
    let mut out = String::new();
    loop {
        match chars.next()? {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                '/' => out.push('/'),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                'u' => {
                    let high = hex4(chars)?;
                    let code = if (0xD800..0xDC00).contains(&high) {
                        if chars.next()? != '\\' || chars.next()? != 'u' {
                            return None;
                        }
                        let low = hex4(chars)?;
                        if !(0xDC00..0xE000).contains(&low) {
                            return None;
                        }
                        0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        high
                    };
                    out.push(char::from_u32(code)?);
                }
                _ => return None,
            },
            c if (c as u32) < 0x20 => return None,
            c => out.push(c),
        }
    }
}

fn hex4(chars: &mut Chars<'_>) -> Option<u32> {
    let mut value = 0;
    for _ in 0..4 {
        value = value * 16 + chars.next()?.to_digit(16)?;
    }
    Some(value)
}

fn write_string(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if (c as u32) < 0x20 => write!(f, "\\u{:04x}", c as u32)?,
            c => write!(f, "{c}")?,
        }
    }
    f.write_str("\"")
}

/// The notice as one JSON line, the way evcxr writes it back (`{"artifact":…,"emit":…}`).
impl fmt::Display for Artifact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{\"artifact\":")?;
        write_string(f, &self.path.display().to_string())?;
        f.write_str(",\"emit\":")?;
        write_string(f, &self.emit)?;
        f.write_str("}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rustcs_notices_and_skips_everything_else() {
        let stderr = concat!(
            r#"{"artifact":"/t/deps/libmemchr-3ac3.rmeta","emit":"metadata"}"#,
            "\n",
            r#"{"$message_type":"diagnostic","message":"unused","code":null,"level":"warning"}"#,
            "\n",
            "warning: not JSON at all\n",
            r#"{"artifact":"/t/deps/libmemchr-3ac3.rlib","emit":"link"}"#,
            "\n",
        );
        let found = read_artifacts(stderr);
        assert_eq!(
            found,
            vec![
                Artifact {
                    path: "/t/deps/libmemchr-3ac3.rmeta".into(),
                    emit: "metadata".into()
                },
                Artifact {
                    path: "/t/deps/libmemchr-3ac3.rlib".into(),
                    emit: "link".into()
                },
            ]
        );
    }

    #[test]
    fn escapes_round_trip() {
        let artifact = Artifact {
            path: "/t/a \"b\"\\c\u{1}/é😀.rlib".into(),
            emit: "link".into(),
        };
        let line = artifact.to_string();
        assert_eq!(read_artifacts(&line), vec![artifact]);
        // A surrogate pair and an escaped slash, as other JSON writers put them.
        let found = read_artifacts(r#"{"emit":"link","artifact":"\/t\/\ud83d\ude00.rlib"}"#);
        assert_eq!(found[0].path, PathBuf::from("/t/😀.rlib"));
    }

    #[test]
    fn malformed_lines_are_not_notices() {
        for line in [
            r#"{"artifact":"/t/x.rlib"}"#,
            r#"{"artifact":"/t/x.rlib","emit":"link""#,
            r#"{"artifact":"/t/x.rlib","emit":"link"} trailing"#,
            r#"{"artifact":"\ud83d","emit":"link"}"#,
            r#"{"artifact":"\q","emit":"link"}"#,
            "{\"artifact\":\"a\u{1}\",\"emit\":\"link\"}",
            "",
        ] {
            assert_eq!(read_artifacts(line), vec![], "{line}");
        }
    }
}
