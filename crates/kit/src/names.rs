//! Names the scripts and the notebooks must agree on.

use crate::request::Kind;

/// The workshop's name for the model, endpoint configuration and endpoint of `kind`, as the
/// workshop names them in the console: `distributed-replicated`, `distributed-sharded`.
pub fn hosting_name(kind: Kind) -> String {
    format!("distributed-{}", kind.as_str())
}

/// Prefix of the training jobs the workshop starts (`DEMO-linear-<kind>-…`), which
/// `cleanup.sh --all-demo` and notebook 2's search look for.
pub const JOB_PREFIX: &str = "DEMO-linear-";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(hosting_name(Kind::Replicated), "distributed-replicated");
        assert_eq!(hosting_name(Kind::Sharded), "distributed-sharded");
    }
}
