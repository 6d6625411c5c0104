//! File mode's download: every simulated host gets its own copy of its objects under
//! `work/<job>/algo-N/<channel>/`, laid out as SageMaker lays out `/opt/ml/input/data/<channel>/`
//! (<https://docs.aws.amazon.com/sagemaker/latest/dg/your-algorithms-training-algo-running-container.html>).
//! FullyReplicated gives every host every object; ShardedByS3Key deals the sorted keys
//! round-robin. The copies are real (not links) so the time a replicated job spends copying is
//! the time the workshop compares.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::runner::Cancel;
use super::validate::JobPlan;
use crate::sagemaker::Inner;

/// Host names `algo-1` … `algo-n`.
pub(crate) fn host_names(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("algo-{i}")).collect()
}

/// Which keys each of `hosts` hosts receives: everything under FullyReplicated; under
/// ShardedByS3Key the lexicographically sorted keys dealt round-robin (host i gets keys
/// i, i+N, i+2N, …). Returns one list per host, in key order.
pub(crate) fn assign_objects<T: Clone>(sorted: &[T], hosts: usize, sharded: bool) -> Vec<Vec<T>> {
    let hosts = hosts.max(1);
    (0..hosts)
        .map(|h| {
            if sharded {
                sorted.iter().skip(h).step_by(hosts).cloned().collect()
            } else {
                sorted.to_vec()
            }
        })
        .collect()
}

/// File mode: every host gets its own copy of its objects under `work/algo-N/<channel>/`.
/// `Ok(None)` = cancelled while copying.
pub(crate) fn download(
    inner: &Inner,
    plan: &JobPlan,
    cancel: &Cancel,
    hosts: &[String],
    work: &Path,
) -> Result<Option<linear_learner::TrainingSpec>, String> {
    let mut inputs: Vec<linear_learner::HostInput> = hosts
        .iter()
        .map(|h| linear_learner::HostInput {
            host: h.clone(),
            channels: BTreeMap::new(),
        })
        .collect();
    for ch in &plan.channels {
        let uri = format!("s3://{}/{}", ch.bucket, ch.prefix);
        let objects = inner
            .ctx
            .objects
            .list(&ch.bucket, &ch.prefix)
            .map_err(|e| format!("ClientError: Data download failed: could not list {uri}: {e}"))?;
        let mut objects: Vec<_> = objects
            .into_iter()
            .filter(|o| !o.key.ends_with('/'))
            .collect();
        objects.sort_by(|a, b| a.key.cmp(&b.key));
        if objects.is_empty() {
            return Err(format!(
                "ClientError: Data download failed: no S3 objects found under {uri}"
            ));
        }
        let assigned = assign_objects(&objects, hosts.len(), ch.sharded);
        for (h, objs) in assigned.iter().enumerate() {
            let dir = work.join(&hosts[h]).join(&ch.name);
            std::fs::create_dir_all(&dir).map_err(|e| {
                format!(
                    "InternalServerError: could not create {}: {e}",
                    dir.display()
                )
            })?;
            let mut files = Vec::with_capacity(objs.len());
            for o in objs {
                if cancel.raised() {
                    return Ok(None);
                }
                let dest = dir.join(local_name(&ch.prefix, &o.key));
                if let Some(parent) = dest.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| {
                        format!(
                            "InternalServerError: could not create {}: {e}",
                            parent.display()
                        )
                    })?;
                }
                let copied =
                    copy_object(inner, &ch.bucket, &o.key, &dest, cancel).map_err(|e| {
                        format!(
                            "ClientError: Data download failed: could not copy s3://{}/{}: {e}",
                            ch.bucket, o.key
                        )
                    })?;
                if !copied {
                    return Ok(None);
                }
                files.push(dest);
            }
            inputs[h].channels.insert(
                ch.name.clone(),
                linear_learner::ChannelInput {
                    files,
                    content_type: ch.content_type.clone(),
                },
            );
        }
    }
    Ok(Some(linear_learner::TrainingSpec {
        hyperparameters: plan.hyperparameters.clone(),
        hosts: inputs,
    }))
}

/// Bytes copied between two looks at the cancel flag.
const COPY_CHUNK: usize = 1 << 20;

/// Copies one object into a new file `dest`, looking at the cancel flag every [`COPY_CHUNK`]
/// bytes so that StopTrainingJob does not wait for a large object. `Ok(false)` = cancelled.
fn copy_object(
    inner: &Inner,
    bucket: &str,
    key: &str,
    dest: &Path,
    cancel: &Cancel,
) -> Result<bool, String> {
    use std::io::{Read as _, Write as _};
    let (_, mut r) = inner
        .ctx
        .objects
        .open(bucket, key)
        .map_err(|e| e.to_string())?;
    let mut f = std::fs::File::create(dest).map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; COPY_CHUNK];
    loop {
        if cancel.raised() {
            return Ok(false);
        }
        let n = r.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        f.write_all(&buf[..n]).map_err(|e| e.to_string())?;
    }
    f.sync_all().map_err(|e| e.to_string())?;
    Ok(true)
}

/// The object's path below the channel folder: its key relative to the prefix (as SageMaker lays
/// out `/opt/ml/input/data/<channel>/`), with `.`/`..`/empty segments dropped so nothing escapes.
fn local_name(prefix: &str, key: &str) -> PathBuf {
    let rel = key.strip_prefix(prefix).unwrap_or(key);
    let mut p = PathBuf::new();
    for seg in rel.split('/') {
        if !seg.is_empty() && seg != "." && seg != ".." {
            p.push(seg);
        }
    }
    if p.as_os_str().is_empty() {
        // The key equals the prefix: name it after its last segment.
        p.push(
            key.rsplit('/')
                .find(|s| !s.is_empty() && *s != "." && *s != "..")
                .unwrap_or("object"),
        );
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sharding_deals_sorted_keys_round_robin() {
        let keys: Vec<String> = (1979..=1983).map(|y| format!("p/train/{y}.data")).collect();
        let a = assign_objects(&keys, 5, true);
        assert_eq!(a.len(), 5);
        for (i, host) in a.iter().enumerate() {
            assert_eq!(host, &vec![keys[i].clone()]);
        }
        let a = assign_objects(&keys, 2, true);
        assert_eq!(
            a[0],
            vec![keys[0].clone(), keys[2].clone(), keys[4].clone()]
        );
        assert_eq!(a[1], vec![keys[1].clone(), keys[3].clone()]);
        // More hosts than objects: the extra hosts get nothing.
        let a = assign_objects(&keys[..2], 3, true);
        assert_eq!(a[2], Vec::<String>::new());
        // FullyReplicated: every host gets everything.
        let a = assign_objects(&keys, 3, false);
        assert!(a.iter().all(|h| h == &keys));
        assert_eq!(host_names(3), vec!["algo-1", "algo-2", "algo-3"]);
    }

    #[test]
    fn local_names_stay_inside_the_channel() {
        assert_eq!(
            local_name("p/train/", "p/train/1979.data"),
            PathBuf::from("1979.data")
        );
        assert_eq!(
            local_name("p/train", "p/train/a/b.data"),
            PathBuf::from("a/b.data")
        );
        assert_eq!(local_name("p/x", "p/x/../../etc"), PathBuf::from("etc"));
        assert_eq!(
            local_name("p/one.data", "p/one.data"),
            PathBuf::from("one.data")
        );
    }
}
