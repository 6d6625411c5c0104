//! The Rust types: a serde struct per structure shape, a string enum per enum shape, and which
//! members are `Option`.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::model::{Member, Shape};
use super::names::*;
use super::{Gen, error_status};

impl<'a> Gen<'a> {
    /// The Rust type of a shape used as a member.
    pub(crate) fn rust_type(&self, name: &str) -> Result<String, String> {
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
    pub(crate) fn has_default(&self, name: &str, seen: &mut BTreeSet<String>) -> bool {
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
    pub(crate) fn optional(&self, owner: &str, s: &Shape, m: &Member) -> bool {
        !s.required.contains(&m.name) || self.input_reach.contains(owner)
    }

    pub(crate) fn string_enum(&mut self, name: &str, s: &Shape) {
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

    pub(crate) fn structure(&mut self, name: &str, s: &'a Shape) -> Result<(), String> {
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
}
