//! The generator behind `sagemaker-api`'s `src/generated/*.rs`.
//!
//! Input: the trimmed botocore models in `crates/sagemaker-api/model/*.json` (written by
//! `model/extract.py`). Output: one Rust module per service with
//! - a serde struct per structure shape (wire names exact: a `rename_all` rule where serde's
//!   conversion of the snake-case field gives the wire name back, an explicit `rename` elsewhere);
//! - a string enum per enum shape (through the crate's `string_enum!` macro: known values as
//!   variants, anything else kept in `Unknown(String)` so a new value from AWS never fails a parse);
//! - the documented constraints of every constrained shape as a `Rule` in `pub mod rules`, and a
//!   `Validate` impl for every structure an operation's input reaches;
//! - an `Operation` enum (wire name, JSON 1.1 target or REST method and URI).
//!
//! Written by hand (not a `build.rs`) so that the generated code is checked in and reviewable, and
//! so that a crate that depends on `sagemaker-api` compiles no generator: the approach s3s takes
//! (`codegen/` renders `crates/s3s/src/dto/generated.rs`, which is committed).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The services, in the order of their files: (model file stem, generated module file stem).
pub const SERVICES: &[(&str, &str)] = &[
    ("sagemaker", "sagemaker"),
    ("sagemaker-runtime", "runtime"),
    ("logs", "logs"),
];

#[derive(Debug, Deserialize)]
struct Model {
    source: Source,
    metadata: Metadata,
    operations: BTreeMap<String, Operation>,
    shapes: BTreeMap<String, Shape>,
}

#[derive(Debug, Deserialize)]
struct Source {
    botocore: String,
    file: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    api_version: String,
    protocol: String,
    target_prefix: Option<String>,
    service_id: String,
}

#[derive(Debug, Deserialize)]
struct Operation {
    http: Http,
    documentation: Option<String>,
    input: Option<String>,
    output: Option<String>,
    #[serde(default)]
    errors: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Http {
    method: String,
    request_uri: String,
}

#[derive(Debug, Deserialize)]
struct Shape {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    required: Vec<String>,
    #[serde(default)]
    members: Vec<Member>,
    member: Option<Ref>,
    key: Option<Ref>,
    value: Option<Ref>,
    #[serde(rename = "enum")]
    values: Option<Vec<String>>,
    min: Option<i64>,
    max: Option<i64>,
    pattern: Option<String>,
    #[serde(rename = "messagePattern")]
    message_pattern: Option<String>,
    documentation: Option<String>,
    #[serde(default)]
    exception: bool,
    #[serde(default)]
    fault: bool,
    error: Option<ErrorInfo>,
    payload: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorInfo {
    code: Option<String>,
    http_status_code: Option<u16>,
}

#[derive(Debug, Deserialize)]
struct Ref {
    shape: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Member {
    name: String,
    shape: String,
    location: Option<String>,
    location_name: Option<String>,
    documentation: Option<String>,
}

/// `crates/sagemaker-api` (this crate's parent directory).
pub fn crate_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Renders every generated file of the crate at `crate_dir`: (path, contents).
pub fn render_all(crate_dir: &Path) -> Result<Vec<(PathBuf, String)>, String> {
    let mut out = Vec::new();
    for (model, module) in SERVICES {
        let path = crate_dir.join("model").join(format!("{model}.json"));
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let rust = render(&text, model)?;
        out.push((
            crate_dir
                .join("src")
                .join("generated")
                .join(format!("{module}.rs")),
            rust,
        ));
    }
    Ok(out)
}

/// Renders one service's module from its trimmed model (the text of `model/<name>.json`).
pub fn render(model_json: &str, model_name: &str) -> Result<String, String> {
    let model: Model =
        serde_json::from_str(model_json).map_err(|e| format!("{model_name}.json: {e}"))?;
    Gen::new(&model, model_name).render()
}

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// `VolumeSizeInGB` → `volume_size_in_gb`, `S3Uri` → `s3_uri`, `logGroupName` → `log_group_name`.
fn snake(name: &str) -> String {
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

fn field_ident(snake: &str) -> String {
    if KEYWORDS.contains(&snake) {
        format!("r#{snake}")
    } else {
        snake.to_string()
    }
}

/// serde's `rename_all = "PascalCase"` applied to a snake-case field name.
fn serde_pascal(snake: &str) -> String {
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
fn serde_camel(snake: &str) -> String {
    let p = serde_pascal(snake);
    let mut cs = p.chars();
    match cs.next() {
        Some(f) => f.to_ascii_lowercase().to_string() + cs.as_str(),
        None => p,
    }
}

/// `SCREAMING_SNAKE` name of a shape's rule constant.
fn const_name(shape: &str) -> String {
    snake(shape).to_ascii_uppercase()
}

/// An enum value as a variant: `InProgress` → `InProgress`, `ml.m4.xlarge` → `MlM4Xlarge`,
/// `GZIP` → `Gzip`.
fn variant(value: &str) -> String {
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
fn doc_text(doc: &str) -> String {
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

fn rust_str(s: &str) -> String {
    format!("{s:?}")
}

struct Gen<'a> {
    m: &'a Model,
    name: &'a str,
    /// Structures reachable from an operation's input.
    input_reach: BTreeSet<&'a str>,
    /// Structures whose members travel in HTTP headers, the URI or as the raw payload.
    http_bound: BTreeSet<&'a str>,
    out: String,
}

impl<'a> Gen<'a> {
    fn new(m: &'a Model, name: &'a str) -> Self {
        let mut input_reach = BTreeSet::new();
        for op in m.operations.values() {
            if let Some(i) = &op.input {
                reach(&m.shapes, i, &mut input_reach);
            }
        }
        let http_bound = m
            .shapes
            .iter()
            .filter(|(_, s)| {
                s.kind == "structure"
                    && (s.payload.is_some() || s.members.iter().any(|m| m.location.is_some()))
            })
            .map(|(n, _)| n.as_str())
            .collect();
        Self {
            m,
            name,
            input_reach,
            http_bound,
            out: String::new(),
        }
    }

    fn shape(&self, name: &str) -> Result<&'a Shape, String> {
        self.m
            .shapes
            .get(name)
            .ok_or_else(|| format!("{}: shape {name} is referenced but missing", self.name))
    }

    fn is_enum(s: &Shape) -> bool {
        s.kind == "string" && s.values.is_some()
    }

    /// The Rust type of a shape used as a member.
    fn rust_type(&self, name: &str) -> Result<String, String> {
        let s = self.shape(name)?;
        Ok(match s.kind.as_str() {
            "string" if Self::is_enum(s) => name.to_string(),
            "string" => "String".into(),
            "integer" => "i32".into(),
            "long" => "i64".into(),
            "float" | "double" => "f64".into(),
            "boolean" => "bool".into(),
            "timestamp" => "crate::Timestamp".into(),
            "blob" => "Vec<u8>".into(),
            "list" => {
                let m = s.member.as_ref().ok_or("list without member")?;
                format!("Vec<{}>", self.rust_type(&m.shape)?)
            }
            "map" => {
                let (Some(k), Some(v)) = (&s.key, &s.value) else {
                    return Err(format!("map {name} without key/value"));
                };
                format!(
                    "BTreeMap<{}, {}>",
                    self.rust_type(&k.shape)?,
                    self.rust_type(&v.shape)?
                )
            }
            "structure" => name.to_string(),
            other => return Err(format!("{name}: unsupported shape type {other}")),
        })
    }

    /// Whether `Default` can be derived for a field of this shape (non-optional).
    fn has_default(&self, name: &str, seen: &mut BTreeSet<String>) -> bool {
        let Ok(s) = self.shape(name) else {
            return false;
        };
        if Self::is_enum(s) {
            return false;
        }
        if s.kind != "structure" {
            return true;
        }
        if !seen.insert(name.to_string()) {
            return true;
        }
        s.members
            .iter()
            .all(|m| self.optional(name, s, m) || self.has_default(&m.shape, seen))
    }

    /// Optional members become `Option<T>`: the non-required ones, and the required ones of any
    /// structure an input reaches (the server must see a missing one to answer with SageMaker's
    /// "Member must not be null" ValidationException instead of a parse error).
    fn optional(&self, owner: &str, s: &Shape, m: &Member) -> bool {
        !s.required.contains(&m.name) || self.input_reach.contains(owner)
    }

    fn render(mut self) -> Result<String, String> {
        let meta = &self.m.metadata;
        let src = &self.m.source;
        let mut o = String::new();
        let _ = writeln!(
            o,
            "//! {} API {} ({} protocol): the operations the kit serves or calls.\n//!\n\
             //! Generated by `sagemaker-api-codegen` from `model/{}.json`, which `model/extract.py` cut out of\n\
             //! botocore {}'s `{}`. Do not edit: change the model or the generator, then\n\
             //! run `cargo run -p sagemaker-api-codegen`.",
            meta.service_id, meta.api_version, meta.protocol, self.name, src.botocore, src.file
        );
        o.push('\n');
        o.push_str("@IMPORTS@");
        let _ = writeln!(
            o,
            "/// The botocore release the model was taken from.\npub const BOTOCORE_VERSION: &str = {};",
            rust_str(&src.botocore)
        );
        let _ = writeln!(
            o,
            "/// The service's API version.\npub const API_VERSION: &str = {};",
            rust_str(&meta.api_version)
        );
        if let Some(t) = &meta.target_prefix {
            let _ = writeln!(
                o,
                "/// JSON 1.1 requests carry `X-Amz-Target: {t}.<Operation>`.\npub const TARGET_PREFIX: &str = {};",
                rust_str(t)
            );
        }
        self.out = o;
        self.operations()?;
        if self.m.metadata.protocol == "json" {
            self.requests()?;
        }
        let names: Vec<&String> = self.m.shapes.keys().collect();
        for name in names {
            let s = self.shape(name)?;
            if Self::is_enum(s) {
                self.string_enum(name, s);
            } else if s.kind == "structure" {
                self.structure(name, s)?;
            }
        }
        self.rules()?;
        let body = &self.out;
        let mut imports = String::new();
        if body.contains("BTreeMap<") {
            imports.push_str("use std::collections::BTreeMap;\n\n");
        }
        if body.contains("Serialize, Deserialize") {
            imports.push_str("use serde::{Deserialize, Serialize};\n\n");
        }
        if body.contains("impl Validate for") {
            imports.push_str("use crate::validate::{Checker, Validate};\n\n");
        }
        Ok(self.out.replacen("@IMPORTS@", &imports, 1))
    }

    fn operations(&mut self) -> Result<(), String> {
        let ops = &self.m.operations;
        let mut o = String::new();
        o.push_str(
            "\n/// The operations of this service that the kit serves or calls.\n\
             #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\npub enum Operation {\n",
        );
        for (name, op) in ops {
            if let Some(d) = &op.documentation {
                let _ = writeln!(o, "    /// {}", doc_text(d));
            }
            let _ = writeln!(o, "    {name},");
        }
        o.push_str("}\n\nimpl Operation {\n    /// Every operation, in name order.\n    pub const ALL: &[Operation] = &[\n");
        for name in ops.keys() {
            let _ = writeln!(o, "        Self::{name},");
        }
        o.push_str("    ];\n\n    /// The operation's wire name.\n    pub fn name(self) -> &'static str {\n        match self {\n");
        for name in ops.keys() {
            let _ = writeln!(o, "            Self::{name} => {},", rust_str(name));
        }
        o.push_str("        }\n    }\n\n    /// The operation of a wire name.\n    pub fn from_name(name: &str) -> Option<Self> {\n        match name {\n");
        for name in ops.keys() {
            let _ = writeln!(o, "            {} => Some(Self::{name}),", rust_str(name));
        }
        o.push_str("            _ => None,\n        }\n    }\n\n    /// HTTP method and request URI template.\n    pub fn http(self) -> (&'static str, &'static str) {\n        match self {\n");
        for (name, op) in ops {
            let _ = writeln!(
                o,
                "            Self::{name} => ({}, {}),",
                rust_str(&op.http.method),
                rust_str(&op.http.request_uri)
            );
        }
        o.push_str("        }\n    }\n\n    /// The error shapes the model lists for the operation (their codes).\n    pub fn errors(self) -> &'static [&'static str] {\n        match self {\n");
        for (name, op) in ops {
            let codes: Vec<String> = op
                .errors
                .iter()
                .map(|e| self.error_code(e).map(|c| rust_str(&c)))
                .collect::<Result<_, _>>()?;
            let _ = writeln!(o, "            Self::{name} => &[{}],", codes.join(", "));
        }
        o.push_str("        }\n    }\n}\n");
        let mut errors: Vec<(String, u16)> = Vec::new();
        for (name, s) in &self.m.shapes {
            if s.exception || s.error.is_some() {
                errors.push((self.error_code(name)?, error_status(s)));
            }
        }
        o.push_str("\n/// Every error shape of the model (code, HTTP status), in shape-name order.\npub const ERRORS: &[(&str, u16)] = &[\n");
        for (code, status) in &errors {
            let _ = writeln!(o, "    ({}, {status}),", rust_str(code));
        }
        o.push_str("];\n");
        if self.m.metadata.target_prefix.is_some() {
            o.push_str(
                "\nimpl Operation {\n    /// The operation named by an `X-Amz-Target` header value (`<prefix>.<Operation>`).\n    \
                 pub fn from_target(target: &str) -> Option<Self> {\n        \
                 let (prefix, op) = target.split_once('.')?;\n        \
                 if prefix == TARGET_PREFIX { Self::from_name(op) } else { None }\n    }\n\n    \
                 /// The `X-Amz-Target` header value of the operation.\n    \
                 pub fn target(self) -> String {\n        format!(\"{TARGET_PREFIX}.{}\", self.name())\n    }\n}\n",
            );
        }
        self.out.push_str(&o);
        Ok(())
    }

    /// For a JSON 1.1 service: the `Request` enum (parse any operation's body) and an
    /// `Operation` impl per input type (its target and output type, for typed clients).
    fn requests(&mut self) -> Result<(), String> {
        let ops = &self.m.operations;
        let mut inputs = BTreeSet::new();
        let mut o = String::new();
        o.push_str(
            "\n/// A request of any of the operations, parsed.\n///\n/// Not boxed: a request is parsed once per call and moved straight into its handler.\n\
             #[allow(clippy::large_enum_variant)]\n#[derive(Debug, Clone, PartialEq)]\npub enum Request {\n",
        );
        for (name, op) in ops {
            let input = op
                .input
                .as_deref()
                .ok_or_else(|| format!("{name} has no input"))?;
            if !inputs.insert(input) {
                return Err(format!(
                    "{name}: input {input} is shared with another operation"
                ));
            }
            let _ = writeln!(o, "    /// `{name}`.\n    {name}({input}),");
        }
        o.push_str(
            "}\n\nimpl Request {\n    /// Parses the JSON body of `op` (an empty body reads as `{}`). A member of the wrong JSON\n    \
             /// type is an error (the service's `SerializationException`); a missing or out-of-range\n    \
             /// member is not (see [`Validate`]).\n    \
             pub fn parse(op: Operation, body: &[u8]) -> Result<Self, serde_json::Error> {\n        \
             let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) { b\"{}\" } else { body };\n        \
             Ok(match op {\n",
        );
        for name in ops.keys() {
            let _ = writeln!(
                o,
                "            Operation::{name} => Self::{name}(serde_json::from_slice(body)?),"
            );
        }
        o.push_str("        })\n    }\n\n    /// The request's operation.\n    pub fn operation(&self) -> Operation {\n        match self {\n");
        for name in ops.keys() {
            let _ = writeln!(o, "            Self::{name}(_) => Operation::{name},");
        }
        o.push_str("        }\n    }\n}\n\nimpl Validate for Request {\n    fn validate(&self, path: &str, c: &mut Checker) {\n        match self {\n");
        for name in ops.keys() {
            let _ = writeln!(o, "            Self::{name}(r) => r.validate(path, c),");
        }
        o.push_str("        }\n    }\n}\n");
        for (name, op) in ops {
            let input = op.input.as_deref().unwrap_or_default();
            let output = op.output.as_deref().unwrap_or("crate::Empty");
            let _ = writeln!(
                o,
                "\nimpl crate::JsonOperation for {input} {{\n    const OPERATION: &'static str = {};\n    const TARGET: &'static str = {};\n    type Output = {output};\n}}",
                rust_str(name),
                rust_str(&format!(
                    "{}.{name}",
                    self.m.metadata.target_prefix.as_deref().unwrap_or_default()
                ))
            );
        }
        self.out.push_str(&o);
        Ok(())
    }

    fn error_code(&self, shape: &str) -> Result<String, String> {
        let s = self.shape(shape)?;
        Ok(s.error
            .as_ref()
            .and_then(|e| e.code.clone())
            .unwrap_or_else(|| shape.to_string()))
    }

    fn string_enum(&mut self, name: &str, s: &Shape) {
        let mut o = String::new();
        o.push('\n');
        o.push_str("string_enum! {\n");
        if let Some(d) = &s.documentation {
            let _ = writeln!(o, "    /// {}", doc_text(d));
        } else {
            let _ = writeln!(o, "    /// The `{name}` values of the model.");
        }
        let _ = writeln!(o, "    {name} {{");
        let mut used = BTreeSet::new();
        for v in s.values.iter().flatten() {
            let mut var = variant(v);
            let mut n = 2;
            while used.contains(&var) {
                var = format!("{}{n}", variant(v));
                n += 1;
            }
            used.insert(var.clone());
            let _ = writeln!(o, "        {var} = {},", rust_str(v));
        }
        o.push_str("    }\n}\n");
        self.out.push_str(&o);
    }

    fn structure(&mut self, name: &str, s: &'a Shape) -> Result<(), String> {
        let http = self.http_bound.contains(name);
        let mut fields = Vec::new();
        for m in &s.members {
            let sn = snake(&m.name);
            let wire = m.location_name.clone().unwrap_or_else(|| m.name.clone());
            let opt = self.optional(name, s, m);
            let ty = self.rust_type(&m.shape)?;
            fields.push((m, sn, wire, opt, ty));
        }
        // serde's rename rule that fits the most members; the rest get an explicit rename.
        let pascal = fields.iter().filter(|f| serde_pascal(&f.1) == f.2).count();
        let camel = fields.iter().filter(|f| serde_camel(&f.1) == f.2).count();
        let (rule, convert): (&str, fn(&str) -> String) = if camel > pascal {
            ("camelCase", serde_camel)
        } else {
            ("PascalCase", serde_pascal)
        };
        let default = s
            .members
            .iter()
            .all(|m| self.optional(name, s, m) || self.has_default(&m.shape, &mut BTreeSet::new()));
        let mut o = String::new();
        o.push('\n');
        match &s.documentation {
            Some(d) => {
                let _ = writeln!(o, "/// {}", doc_text(d));
            }
            None => {
                let _ = writeln!(o, "/// The `{name}` structure of the model.");
            }
        }
        let mut derives = vec!["Debug", "Clone", "PartialEq"];
        if default {
            derives.push("Default");
        }
        if !http {
            derives.push("Serialize");
            derives.push("Deserialize");
        }
        let _ = writeln!(o, "#[derive({})]", derives.join(", "));
        if !http && !fields.is_empty() {
            let _ = writeln!(o, "#[serde(rename_all = \"{rule}\")]");
        }
        let _ = writeln!(o, "pub struct {name} {{");
        for (m, sn, wire, opt, ty) in &fields {
            if let Some(d) = &m.documentation {
                let _ = writeln!(o, "    /// {}", doc_text(d));
            }
            if http {
                match m.location.as_deref() {
                    Some(loc) => {
                        let _ = writeln!(o, "    ///\n    /// Travels in the {loc} as `{wire}`.");
                    }
                    None if s.payload.as_deref() == Some(&m.name) => {
                        o.push_str("    ///\n    /// The raw HTTP body.\n");
                    }
                    None => {}
                }
            } else {
                let mut attrs = Vec::new();
                if convert(sn) != *wire {
                    attrs.push(format!("rename = {}", rust_str(wire)));
                }
                if *opt {
                    attrs.push("skip_serializing_if = \"Option::is_none\"".to_string());
                }
                if !attrs.is_empty() {
                    let _ = writeln!(o, "    #[serde({})]", attrs.join(", "));
                }
            }
            let ty = if *opt {
                format!("Option<{ty}>")
            } else {
                ty.clone()
            };
            let _ = writeln!(o, "    pub {}: {ty},", field_ident(sn));
        }
        o.push_str("}\n");
        if http {
            let headers: Vec<_> = fields
                .iter()
                .filter(|f| f.0.location.as_deref() == Some("header"))
                .collect();
            if !headers.is_empty() {
                let _ = writeln!(o, "\nimpl {name} {{");
                for (i, (_, sn, wire, _, _)) in headers.iter().enumerate() {
                    if i > 0 {
                        o.push('\n');
                    }
                    let _ = writeln!(
                        o,
                        "    /// The HTTP header of `{sn}`.\n    pub const {}_HEADER: &'static str = {};",
                        sn.to_ascii_uppercase(),
                        rust_str(wire)
                    );
                }
                o.push_str("}\n");
            }
        }
        if s.exception || s.error.is_some() {
            let status = error_status(s);
            let _ = writeln!(
                o,
                "\nimpl {name} {{\n    /// The error code (`__type`, `x-amzn-ErrorType`).\n    pub const CODE: &'static str = {};\n    \
                 /// The HTTP status the model gives the error.\n    pub const STATUS: u16 = {status};\n}}",
                rust_str(&self.error_code(name)?)
            );
        }
        if self.input_reach.contains(name) {
            o.push_str(&self.validate_impl(name, s)?);
        }
        self.out.push_str(&o);
        Ok(())
    }

    /// Whether a shape carries a constraint the validator checks (itself or below).
    fn constrained(&self, name: &str, seen: &mut BTreeSet<String>) -> bool {
        let Ok(s) = self.shape(name) else {
            return false;
        };
        if !seen.insert(name.to_string()) {
            return false;
        }
        match s.kind.as_str() {
            "structure" => {
                !s.required.is_empty() || s.members.iter().any(|m| self.constrained(&m.shape, seen))
            }
            "list" => {
                s.min.is_some()
                    || s.max.is_some()
                    || s.member
                        .as_ref()
                        .is_some_and(|m| self.constrained(&m.shape, seen))
            }
            "map" => {
                s.min.is_some()
                    || s.max.is_some()
                    || s.key
                        .as_ref()
                        .is_some_and(|m| self.constrained(&m.shape, seen))
                    || s.value
                        .as_ref()
                        .is_some_and(|m| self.constrained(&m.shape, seen))
            }
            "blob" => false,
            _ => s.min.is_some() || s.max.is_some() || s.pattern.is_some() || Self::is_enum(s),
        }
    }

    fn validate_impl(&self, name: &str, s: &Shape) -> Result<String, String> {
        let mut body = String::new();
        for m in &s.members {
            let required = s.required.contains(&m.name);
            if !required && !self.constrained(&m.shape, &mut BTreeSet::new()) {
                continue;
            }
            let sn = field_ident(&snake(&m.name));
            let path_name = lower_first(&m.name);
            let _ = writeln!(
                body,
                "        let p = Checker::path(path, {});",
                rust_str(&path_name)
            );
            let opt = self.optional(name, s, m);
            let depth = if opt && required { 4 } else { 3 };
            let check = self.check_value(&m.shape, "v", "&p", depth)?;
            if opt && required && check.trim().is_empty() {
                let _ = writeln!(
                    body,
                    "        if self.{sn}.is_none() {{\n            c.missing(&p);\n        }}"
                );
            } else if opt && required {
                let _ = writeln!(body, "        match &self.{sn} {{");
                body.push_str("            None => c.missing(&p),\n");
                let _ = write!(body, "            Some(v) => {{\n{check}            }}\n");
                body.push_str("        }\n");
            } else if opt {
                let _ = write!(
                    body,
                    "        if let Some(v) = &self.{sn} {{\n{check}        }}\n"
                );
            } else {
                let _ = write!(
                    body,
                    "        {{\n            let v = &self.{sn};\n{check}        }}\n"
                );
            }
        }
        let (path_arg, c_arg) = if body.is_empty() {
            ("_path", "_c")
        } else {
            ("path", "c")
        };
        Ok(format!(
            "\nimpl Validate for {name} {{\n    fn validate(&self, {path_arg}: &str, {c_arg}: &mut Checker) {{\n{body}    }}\n}}\n"
        ))
    }

    /// Statements that check the value `v` (a reference) of shape `name` at path expression `p`.
    fn check_value(&self, name: &str, v: &str, p: &str, depth: usize) -> Result<String, String> {
        let s = self.shape(name)?;
        let ind = "    ".repeat(depth);
        let rule = format!("&rules::{}", const_name(name));
        let has_rule = has_rule(s);
        let mut o = String::new();
        match s.kind.as_str() {
            "string" if Self::is_enum(s) => {
                let _ = writeln!(
                    o,
                    "{ind}c.enumeration({v}.as_str(), {v}.is_known(), {p}, {rule});"
                );
            }
            "string" if has_rule => {
                let _ = writeln!(o, "{ind}c.string({v}, {p}, {rule});");
            }
            "integer" if has_rule => {
                let _ = writeln!(o, "{ind}c.number(i64::from(*{v}), {p}, {rule});");
            }
            "long" if has_rule => {
                let _ = writeln!(o, "{ind}c.number(*{v}, {p}, {rule});");
            }
            "float" | "double" if has_rule => {
                let _ = writeln!(o, "{ind}c.float(*{v}, {p}, {rule});");
            }
            "list" => {
                if has_rule {
                    let _ = writeln!(o, "{ind}c.length({v}.len(), {p}, {rule});");
                }
                let m = s.member.as_ref().ok_or("list without member")?;
                if self.constrained(&m.shape, &mut BTreeSet::new()) {
                    let inner = self.check_value(&m.shape, "m", "&q", depth + 1)?;
                    let _ = write!(
                        o,
                        "{ind}for (i, m) in {v}.iter().enumerate() {{\n{ind}    let q = Checker::list_member({p}, i);\n{inner}{ind}}}\n"
                    );
                }
            }
            "map" => {
                if has_rule {
                    let _ = writeln!(o, "{ind}c.length({v}.len(), {p}, {rule});");
                }
                let (Some(k), Some(val)) = (&s.key, &s.value) else {
                    return Err(format!("map {name} without key/value"));
                };
                let ck = self.constrained(&k.shape, &mut BTreeSet::new());
                let cv = self.constrained(&val.shape, &mut BTreeSet::new());
                if ck || cv {
                    let _ = writeln!(o, "{ind}for (k, m) in {v} {{");
                    if ck {
                        let inner = self.check_value(&k.shape, "k", "&kp", depth + 1)?;
                        let _ = write!(o, "{ind}    let kp = Checker::map_key({p}, k);\n{inner}");
                    }
                    if cv {
                        let inner = self.check_value(&val.shape, "m", "&vp", depth + 1)?;
                        let _ = write!(o, "{ind}    let vp = Checker::map_value({p}, k);\n{inner}");
                    }
                    let _ = writeln!(o, "{ind}}}");
                }
            }
            "structure" => {
                let _ = writeln!(o, "{ind}{v}.validate({p}, c);");
            }
            _ => {}
        }
        Ok(o)
    }

    /// `pub mod rules`: one constant per constrained scalar or collection shape, and the table.
    fn rules(&mut self) -> Result<(), String> {
        let mut o = String::new();
        o.push_str(
            "\n/// The model's constraints, one per constrained shape (length or value range, pattern,\n\
             /// enum values), as `Checker` applies them, and the members of request structures that\n\
             /// carry one.\npub mod rules {\n    use crate::validate::{MemberRule, Rule};\n",
        );
        let mut table = Vec::new();
        for (name, s) in &self.m.shapes {
            if !has_rule(s) {
                continue;
            }
            let c = const_name(name);
            let values = match &s.values {
                Some(_) => format!("super::{name}::VALUES"),
                None => "&[]".to_string(),
            };
            let opt = |x: Option<i64>| match x {
                Some(v) => format!("Some({v})"),
                None => "None".to_string(),
            };
            let quote = |x: &Option<String>| match x {
                Some(p) => format!("Some({})", rust_str(p)),
                None => "None".to_string(),
            };
            let pattern = quote(&s.pattern);
            let message_pattern = quote(&s.message_pattern);
            let _ = writeln!(
                o,
                "\n    /// `{name}` ({}).\n    pub const {c}: Rule = Rule {{\n        shape: {},\n        min: {},\n        max: {},\n        pattern: {pattern},\n        message_pattern: {message_pattern},\n        values: {values},\n    }};",
                s.kind,
                rust_str(name),
                opt(s.min),
                opt(s.max),
            );
            table.push(c);
        }
        o.push_str(
            "\n    /// Every rule above, in shape-name order.\n    pub const ALL: &[&Rule] = &[\n",
        );
        for c in &table {
            let _ = writeln!(o, "        &{c},");
        }
        o.push_str("    ];\n");
        // The member table: every member of a request structure that is required or whose shape
        // has a rule, with the path segment SageMaker's messages use.
        o.push_str(
            "\n    /// The members of request structures that are required or constrained, in structure\n    \
             /// and model order: the table the generated `Validate` impls walk.\n    \
             pub const MEMBERS: &[MemberRule] = &[\n",
        );
        let mut n = 0;
        for name in &self.input_reach {
            let s = self.shape(name)?;
            for m in &s.members {
                let required = s.required.contains(&m.name);
                let t = self.shape(&m.shape)?;
                if !required && !has_rule(t) {
                    continue;
                }
                let rule = if has_rule(t) {
                    format!("Some(&{})", const_name(&m.shape))
                } else {
                    "None".to_string()
                };
                let _ = writeln!(
                    o,
                    "        MemberRule {{ structure: {}, member: {}, path: {}, required: {required}, rule: {rule} }},",
                    rust_str(name),
                    rust_str(&m.name),
                    rust_str(&lower_first(&m.name))
                );
                n += 1;
            }
        }
        if n == 0 {
            o.push_str("        // (none)\n");
        }
        o.push_str("    ];\n}\n");
        self.out.push_str(&o);
        Ok(())
    }
}

/// The model's `httpStatusCode`, else 500 for a fault and 400 for a client error.
fn error_status(s: &Shape) -> u16 {
    s.error
        .as_ref()
        .and_then(|e| e.http_status_code)
        .unwrap_or(if s.fault { 500 } else { 400 })
}

fn has_rule(s: &Shape) -> bool {
    matches!(
        s.kind.as_str(),
        "string" | "integer" | "long" | "float" | "double" | "list" | "map"
    ) && (s.min.is_some() || s.max.is_some() || s.pattern.is_some() || s.values.is_some())
}

fn lower_first(s: &str) -> String {
    let mut cs = s.chars();
    match cs.next() {
        Some(f) => f.to_ascii_lowercase().to_string() + cs.as_str(),
        None => String::new(),
    }
}

fn reach<'a>(shapes: &'a BTreeMap<String, Shape>, name: &str, seen: &mut BTreeSet<&'a str>) {
    let Some((key, s)) = shapes.get_key_value(name) else {
        return;
    };
    if s.kind == "structure" && !seen.insert(key.as_str()) {
        return;
    }
    for m in &s.members {
        reach(shapes, &m.shape, seen);
    }
    for r in [&s.member, &s.key, &s.value].into_iter().flatten() {
        reach(shapes, &r.shape, seen);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(snake("VolumeSizeInGB"), "volume_size_in_gb");
        assert_eq!(snake("S3Uri"), "s3_uri");
        assert_eq!(snake("logGroupName"), "log_group_name");
        assert_eq!(snake("KmsKeyId"), "kms_key_id");
        assert_eq!(serde_pascal("volume_size_in_gb"), "VolumeSizeInGb");
        assert_eq!(serde_camel("log_group_name"), "logGroupName");
        assert_eq!(variant("ml.m4.xlarge"), "MlM4Xlarge");
        assert_eq!(variant("GZIP"), "Gzip");
        assert_eq!(variant("InProgress"), "InProgress");
        assert_eq!(const_name("TrainingJobName"), "TRAINING_JOB_NAME");
    }
}
