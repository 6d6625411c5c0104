//! The checked-in `src/generated/*.rs` are exactly what the generator renders from the
//! checked-in `model/*.json` (as s3s checks its generated DTOs). `UPDATE_GENERATED=1` rewrites them
//! instead of failing, the same as `cargo run -p sagemaker-api-codegen`.

use std::path::Path;

#[test]
fn generated_code_is_up_to_date() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = sagemaker_api_codegen::render_all(dir).expect("the models render");
    assert_eq!(files.len(), 3);
    let update = std::env::var_os("UPDATE_GENERATED").is_some();
    let mut stale = Vec::new();
    for (path, want) in files {
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        if have != want {
            if update {
                std::fs::write(&path, &want).expect("write the generated file");
            } else {
                let line = have
                    .lines()
                    .zip(want.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or_else(|| have.lines().count().min(want.lines().count()))
                    + 1;
                stale.push(format!(
                    "{} (first difference at line {line})",
                    path.display()
                ));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "generated code is stale; run `cargo run -p sagemaker-api-codegen`: {stale:?}"
    );
}
