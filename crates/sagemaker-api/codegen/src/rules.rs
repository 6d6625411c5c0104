//! The documented constraints: one `Rule` per constrained shape in `pub mod rules`, and the
//! `Validate` impls of the structures an operation's input reaches.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::Gen;
use super::model::Shape;
use super::names::*;

impl<'a> Gen<'a> {
    /// Whether a shape carries a constraint the validator checks (itself or below).
    pub(crate) fn constrained(&self, name: &str, seen: &mut BTreeSet<String>) -> bool {
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

    pub(crate) fn validate_impl(&self, name: &str, s: &Shape) -> Result<String, String> {
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
    pub(crate) fn check_value(
        &self,
        name: &str,
        v: &str,
        p: &str,
        depth: usize,
    ) -> Result<String, String> {
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
    pub(crate) fn rules(&mut self) -> Result<(), String> {
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

pub(crate) fn has_rule(s: &Shape) -> bool {
    matches!(
        s.kind.as_str(),
        "string" | "integer" | "long" | "float" | "double" | "list" | "map"
    ) && (s.min.is_some() || s.max.is_some() || s.pattern.is_some() || s.values.is_some())
}
