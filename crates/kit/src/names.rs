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

/// SageMaker's limit on `TrainingJobName` (and every other resource name the workshop creates).
pub const MAX_NAME_LEN: usize = 63;

/// Checks a training job name against `TrainingJobName`'s constraints (at most 63 characters,
/// pattern `[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`) before anything is sent; the message names
/// `setting`, where the name came from (`KIT_JOB_NAME` for the scripts, the cell's name for the
/// notebooks). The workshop's own names (`DEMO-linear-replicated-` + a 23-character timestamp,
/// 46 characters) fit; a longer prefix may not.
pub fn check_job_name(name: &str, setting: &str) -> Result<(), String> {
    let n = name.chars().count();
    if n > MAX_NAME_LEN {
        return Err(format!(
            "training job name '{name}' has {n} characters, but SageMaker allows at most \
             {MAX_NAME_LEN} (TrainingJobName): shorten {setting}"
        ));
    }
    let b = name.as_bytes();
    let ok = !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-');
    if !ok {
        return Err(format!(
            "training job name '{name}' is not a SageMaker name (letters, digits and hyphens, \
             starting and ending with a letter or digit): change {setting}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_names() {
        // The scripts' default: DEMO-linear-<kind>-%Y-%m-%d-%H-%M-%S-%3N.
        let default = "DEMO-linear-replicated-2026-12-02-13-45-07-123";
        assert_eq!(default.len(), 46);
        assert!(check_job_name(default, "KIT_JOB_NAME").is_ok());
        let long = format!("{default}-{}", "x".repeat(16));
        assert_eq!(long.len(), 63);
        assert!(check_job_name(&long, "KIT_JOB_NAME").is_ok());
        let e = check_job_name(&format!("{long}y"), "KIT_JOB_NAME").unwrap_err();
        assert!(
            e.contains("64 characters") && e.contains("KIT_JOB_NAME"),
            "{e}"
        );
        for bad in ["", "-a", "a-", "a_b", "a b"] {
            let e = check_job_name(bad, "KIT_JOB_NAME").unwrap_err();
            assert!(e.contains("KIT_JOB_NAME"), "{e}");
        }
    }

    #[test]
    fn names() {
        assert_eq!(hosting_name(Kind::Replicated), "distributed-replicated");
        assert_eq!(hosting_name(Kind::Sharded), "distributed-sharded");
    }
}
