use s3s::crypto::Checksum as _;

use super::*;

fn store() -> (tempfile::TempDir, DiskStore) {
    let dir = tempfile::tempdir().unwrap();
    let s = DiskStore::open(dir.path().join("s3")).unwrap();
    s.create_bucket("bkt").unwrap();
    (dir, s)
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn the_shared_contract_holds_on_disk() {
    let (_d, s) = store();
    super::super::store_contract(&s);
}

#[test]
fn long_and_odd_keys_are_files_with_bounded_names() {
    let (_d, s) = store();
    let long = format!("p/{}", "x".repeat(1020));
    let seg = "y".repeat(600);
    for k in [
        long.as_str(),
        &seg,
        "a",
        "a/b",
        "../x/..x",
        "%2e%2e%2fx",
        "été/x",
    ] {
        if check_object_key(k).is_err() {
            continue;
        }
        s.put("bkt", k, k.as_bytes()).unwrap();
        assert_eq!(s.get("bkt", k).unwrap(), k.as_bytes());
    }
    for name in files_in(&s.root().join("_buckets/bkt")) {
        assert_eq!(name.len(), 68, "{name}");
    }
    assert!(s.get("bkt", "a").is_ok() && s.get("bkt", "a/b").is_ok());
}

#[test]
fn a_failing_disk_write_keeps_the_old_version() {
    let (_d, s) = store();
    s.put("bkt", "k", b"old").unwrap();
    s.inject(Step::WriteBody, Fault::Fail);
    assert!(s.put("bkt", "k", b"new bytes").is_err());
    assert_eq!(s.get("bkt", "k").unwrap(), b"old");
    assert!(files_in(&s.root().join("_tmp")).is_empty());
    s.inject(Step::BeforeRename, Fault::Fail);
    assert!(s.put("bkt", "k", b"new bytes").is_err());
    assert_eq!(s.get("bkt", "k").unwrap(), b"old");
    assert_eq!(
        s.head("bkt", "k").unwrap().etag,
        "149603e6c03516362a8da23f624db945"
    );
    assert!(files_in(&s.root().join("_tmp")).is_empty());
}

#[test]
fn a_crash_before_or_after_the_rename_leaves_one_whole_version() {
    let (d, s) = store();
    s.put("bkt", "k", b"old").unwrap();
    s.inject(Step::BeforeRename, Fault::Crash);
    assert!(s.put("bkt", "k", b"new").is_err());
    assert_eq!(
        files_in(&s.root().join("_tmp")).len(),
        1,
        "the crash left its temp file"
    );
    drop(s);
    let s = DiskStore::open(d.path().join("s3")).unwrap();
    assert!(
        files_in(&s.root().join("_tmp")).is_empty(),
        "restart removes it"
    );
    let (info, mut r) = s.open("bkt", "k").unwrap();
    let mut b = Vec::new();
    r.read_to_end(&mut b).unwrap();
    assert_eq!(
        (b.as_slice(), info.etag.as_str()),
        (&b"old"[..], "149603e6c03516362a8da23f624db945")
    );

    s.inject(Step::AfterRename, Fault::Crash);
    assert!(s.put("bkt", "k", b"new").is_err());
    drop(s);
    let s = DiskStore::open(d.path().join("s3")).unwrap();
    let (info, mut r) = s.open("bkt", "k").unwrap();
    let mut b = Vec::new();
    r.read_to_end(&mut b).unwrap();
    assert_eq!(
        (b.as_slice(), info.etag.as_str()),
        (&b"new"[..], "22af645d1859cb5ca6da0c484f1f37ea")
    );
}

#[test]
fn a_crash_between_complete_and_upload_removal_keeps_the_new_object() {
    let (d, s) = store();
    s.put("bkt", "mp", b"old").unwrap();
    let id = s
        .create_upload("bkt", "mp", Attributes::default(), None)
        .unwrap();
    let p = super::super::store_tests_put_part(&s, &id, 1, b"part one");
    s.inject(Step::AfterRename, Fault::Crash);
    assert!(
        s.complete_upload(&id, std::slice::from_ref(&p), &Precondition::None)
            .is_err()
    );
    drop(s);
    let s = DiskStore::open(d.path().join("s3")).unwrap();
    assert_eq!(s.get("bkt", "mp").unwrap(), b"part one");
    assert!(s.head("bkt", "mp").unwrap().etag.ends_with("-1"));
    // the upload is still there and can be completed again or aborted
    assert!(s.complete_upload(&id, &[p], &Precondition::None).is_ok());
    assert!(matches!(s.upload(&id), Err(ObjectError::NoSuchUpload(_))));
}

#[test]
fn a_crash_before_the_complete_rename_keeps_old_object_and_upload() {
    let (d, s) = store();
    s.put("bkt", "mp", b"old").unwrap();
    let id = s
        .create_upload("bkt", "mp", Attributes::default(), None)
        .unwrap();
    let p = super::super::store_tests_put_part(&s, &id, 1, b"part one");
    s.inject(Step::BeforeRename, Fault::Crash);
    assert!(
        s.complete_upload(&id, std::slice::from_ref(&p), &Precondition::None)
            .is_err()
    );
    drop(s);
    let s = DiskStore::open(d.path().join("s3")).unwrap();
    assert_eq!(s.get("bkt", "mp").unwrap(), b"old");
    assert_eq!(s.list_parts(&id).unwrap().len(), 1);
    assert_eq!(
        s.complete_upload(&id, &[p], &Precondition::None)
            .unwrap()
            .size,
        8
    );
}

#[test]
fn the_s3s_fs_layout_is_migrated_and_stale_checksums_repaired() {
    use base64::Engine as _;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("s3");
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    std::fs::create_dir_all(root.join("old-bucket/p/q")).unwrap();
    std::fs::create_dir_all(root.join("empty-bucket")).unwrap();
    std::fs::write(root.join("old-bucket/p/q/data.csv"), b"the bytes").unwrap();
    std::fs::write(root.join("old-bucket/top"), b"top").unwrap();
    // a stale side file, as D3 left them: the CRC32 of another version
    std::fs::write(
        root.join(format!(
            ".bucket-{}.object-{}.internal.json",
            b64("old-bucket"),
            b64("p/q/data.csv")
        )),
        br#"{"e_tag":"0123456789abcdef0123456789abcdef","checksum_crc32":"zWy0cg=="}"#,
    )
    .unwrap();
    std::fs::write(
        root.join(format!(
            ".bucket-{}.object-{}.metadata.json",
            b64("old-bucket"),
            b64("p/q/data.csv")
        )),
        br#"{"content_type":"text/csv","user_metadata":{"a":"b"}}"#,
    )
    .unwrap();
    std::fs::write(root.join(".tmp.3.internal.part"), b"junk").unwrap();
    std::fs::write(root.join(".upload-x.json"), b"null").unwrap();
    let s = DiskStore::open(root.clone()).unwrap();
    let names: Vec<_> = s
        .list_buckets()
        .unwrap()
        .into_iter()
        .map(|b| b.name)
        .collect();
    assert_eq!(names, ["empty-bucket", "old-bucket"]);
    let objs = s.list("old-bucket", "").unwrap();
    assert_eq!(
        objs.iter().map(|o| o.key.as_str()).collect::<Vec<_>>(),
        ["p/q/data.csv", "top"]
    );
    let d = &objs[0];
    assert_eq!(s.get("old-bucket", "p/q/data.csv").unwrap(), b"the bytes");
    let mut md5 = s3s::crypto::Md5::new();
    md5.update(b"the bytes");
    assert_eq!(d.etag, hex::encode(md5.finalize()));
    let mut crc = s3s::crypto::Crc32::new();
    crc.update(b"the bytes");
    assert_eq!(
        d.checksums.crc32.as_deref(),
        Some(
            base64::engine::general_purpose::STANDARD
                .encode(crc.finalize())
                .as_str()
        )
    );
    assert_eq!(d.attributes.content_type.as_deref(), Some("text/csv"));
    assert_eq!(d.attributes.user_metadata["a"], "b");
    let mut left = files_in(&root);
    left.retain(|n| !n.starts_with('_'));
    assert!(left.is_empty(), "old files left: {left:?}");
    drop(s);
    // reopening is a no-op
    let s = DiskStore::open(root).unwrap();
    assert_eq!(s.get("old-bucket", "top").unwrap(), b"top");
}

#[test]
fn another_format_is_refused_clearly() {
    let (d, s) = store();
    drop(s);
    std::fs::write(
        d.path().join("s3/_FORMAT"),
        "sagemaker-offline object store 9\n",
    )
    .unwrap();
    let e = DiskStore::open(d.path().join("s3"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("another version"), "{e}");
}
