//! Rust names and literals from model names: snake-case fields, serde's rename rules, enum
//! variants, constants, doc text.

pub(crate) const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// `VolumeSizeInGB` → `volume_size_in_gb`, `S3Uri` → `s3_uri`, `logGroupName` → `log_group_name`.
pub(crate) fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = if i == 0 { None } else { Some(chars[i - 1]) };
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out
}

pub(crate) fn field_ident(snake: &str) -> String {
    if KEYWORDS.contains(&snake) {
        format!("r#{snake}")
    } else {
        snake.to_string()
    }
}

/// serde's `rename_all = "PascalCase"` applied to a snake-case field name.
pub(crate) fn serde_pascal(snake: &str) -> String {
    let mut out = String::new();
    let mut cap = true;
    for c in snake.chars() {
        if c == '_' {
            cap = true;
        } else if cap {
            out.push(c.to_ascii_uppercase());
            cap = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// serde's `rename_all = "camelCase"`.
pub(crate) fn serde_camel(snake: &str) -> String {
    let p = serde_pascal(snake);
    let mut cs = p.chars();
    match cs.next() {
        Some(f) => f.to_ascii_lowercase().to_string() + cs.as_str(),
        None => p,
    }
}

/// `SCREAMING_SNAKE` name of a shape's rule constant.
pub(crate) fn const_name(shape: &str) -> String {
    snake(shape).to_ascii_uppercase()
}

/// An enum value as a variant: `InProgress` → `InProgress`, `ml.m4.xlarge` → `MlM4Xlarge`,
/// `GZIP` → `Gzip`.
pub(crate) fn variant(value: &str) -> String {
    let mut out = String::new();
    for part in value.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut cs = part.chars();
        let Some(first) = cs.next() else { continue };
        out.push(first.to_ascii_uppercase());
        let rest = cs.as_str();
        if part.chars().any(|c| c.is_ascii_lowercase()) {
            out.push_str(rest);
        } else {
            out.push_str(&rest.to_ascii_lowercase());
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    if out == "Unknown" || out == "Self" {
        out.push_str("Value");
    }
    out
}

/// A documentation sentence as a safe one-line doc comment body.
pub(crate) fn doc_text(doc: &str) -> String {
    let mut s = String::new();
    for c in doc.chars() {
        match c {
            '[' | ']' | '<' | '>' | '*' | '`' => {
                s.push('\\');
                s.push(c);
            }
            '\r' | '\n' | '\t' => s.push(' '),
            _ => s.push(c),
        }
    }
    // Bare URLs would trip rustdoc's `bare_urls` lint.
    for scheme in ["https://", "http://"] {
        s = s.replace(
            scheme,
            &format!("{}\u{200b}//", &scheme[..scheme.len() - 2]),
        );
    }
    s
}

pub(crate) fn rust_str(s: &str) -> String {
    format!("{s:?}")
}

pub(crate) fn lower_first(s: &str) -> String {
    let mut cs = s.chars();
    match cs.next() {
        Some(f) => f.to_ascii_lowercase().to_string() + cs.as_str(),
        None => String::new(),
    }
}
