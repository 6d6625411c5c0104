//! `cargo run -p sagemaker-api-codegen`: rewrites `crates/sagemaker-api/src/generated/*.rs` from
//! the trimmed models in `crates/sagemaker-api/model/*.json`.

fn main() {
    let dir = sagemaker_api_codegen::crate_dir();
    match sagemaker_api_codegen::render_all(&dir) {
        Ok(files) => {
            for (path, text) in files {
                if let Err(e) = std::fs::write(&path, &text) {
                    eprintln!("{}: {e}", path.display());
                    std::process::exit(1);
                }
                println!("{} ({} lines)", path.display(), text.lines().count());
            }
        }
        Err(e) => {
            eprintln!("codegen: {e}");
            std::process::exit(1);
        }
    }
}
