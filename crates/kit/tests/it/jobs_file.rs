use std::process::Command;

use crate::kit_bin;

/// Eight processes, each setting 25 keys of its own one `kit jobs set` at a time, plus the two job
/// names rewritten all the while: every key survives (no writer replaces the file without the
/// lock, none drops another's keys).
#[test]
fn concurrent_writers_lose_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("out/jobs.json");
    let procs = 8;
    let keys = 25;
    let children: Vec<_> = (0..procs)
        .map(|p| {
            let script = format!(
                "for k in $(seq 1 {keys}); do \"$KIT\" jobs set p{p}.k$k v$k replicated r{p} || exit 1; done"
            );
            Command::new("bash")
                .arg("-c")
                .arg(script)
                .env("KIT", kit_bin())
                .env("KIT_JOBS_FILE", &file)
                .spawn()
                .expect("spawn bash")
        })
        .collect();
    for mut c in children {
        assert!(c.wait().expect("wait").success(), "a writer failed");
    }
    let m = kit::jobs_file::read(&file).expect("read");
    for p in 0..procs {
        for k in 1..=keys {
            let got = kit::jobs_file::get(&file, &format!("p{p}.k{k}")).expect("get");
            assert_eq!(
                got.as_deref(),
                Some(format!("v{k}").as_str()),
                "p{p}.k{k} lost"
            );
        }
    }
    assert_eq!(m.len(), procs + 1, "{m:?}");
    let out = Command::new(kit_bin())
        .args(["jobs", "get", "p3.k7"])
        .env("KIT_JOBS_FILE", &file)
        .output()
        .expect("kit jobs get");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "v7\n");
    // No temporary file is left behind.
    let left: Vec<_> = std::fs::read_dir(dir.path().join("out"))
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        left.iter()
            .all(|n| n == "jobs.json" || n == "jobs.json.lock"),
        "{left:?}"
    );
}
