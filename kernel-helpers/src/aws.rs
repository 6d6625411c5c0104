//! Runtime, configuration and S3 helpers.
//!
//! Every function here builds its tokio runtime and AWS clients inside the call and returns plain
//! data, because evcxr links each cell separately and runtime state cannot cross cells (see the
//! crate docs). Configuration comes only from the standard AWS chain (environment, profile,
//! `AWS_ENDPOINT_URL[_S3]`); when an endpoint URL is configured, S3 is addressed path-style, which
//! works for both the local stand-in and custom S3-compatible endpoints.
//!
//! Credentials: `aws-config`'s default chain with its default features (`sso`,
//! `credentials-process`) — environment keys, the profile (static keys, SSO, `credential_process`,
//! `role_arn` assume-role, `web_identity_token_file`), `AWS_WEB_IDENTITY_TOKEN_FILE`, container
//! credentials (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` / `_FULL_URI`), then the instance role
//! (IMDSv2) — the sources and order of the AWS CLI. The SDK clients and the hand-written
//! [`crate::json11`] client take them from the same [`SdkConfig`] ([`credentials`]).
//!
//! Retries: the SDK clients use the configuration's retry settings, AWS's "standard" mode (3
//! attempts unless `AWS_MAX_ATTEMPTS` / `AWS_RETRY_MODE` or the profile say otherwise), the same
//! the hand-written [`crate::json11`] client follows.
//!
//! Buckets of other regions: S3 answers a request for a bucket of another region than the client's
//! with `301 PermanentRedirect` and the bucket's region in `x-amz-bucket-region`, and aws-sdk-s3
//! does not follow it (awslabs/aws-sdk-rust#183). [`download_object`] follows it once with a
//! client for that region; that is how `gdelt-open-data` (us-east-1) is read from any region.
//! [`ensure_bucket`] turns it into a message naming the settings instead.

use std::future::Future;
use std::time::Instant;

use aws_config::meta::region::RegionProviderChain;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{DisplayErrorContext, SdkError};
use aws_sdk_s3::primitives::ByteStream;

use crate::display::Table;
use crate::error::{KitError, KitResult};

/// Region used when none is configured anywhere in the chain.
pub const DEFAULT_REGION: &str = "us-east-1";

/// Runs a future to completion on a fresh multi-threaded tokio runtime (two workers), built for
/// this call and dropped after it.
pub fn block_on<F: Future>(future: F) -> KitResult<F::Output> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| KitError::msg(format!("cannot start a tokio runtime: {e}")))?;
    Ok(rt.block_on(future))
}

/// Loads the standard AWS configuration (env, profile, credentials chain), defaulting the region
/// to `us-east-1`, with [`https_client`] as the HTTP client of every SDK client made from it and
/// of the credential providers (SSO, STS, IMDS).
pub async fn sdk_config() -> SdkConfig {
    let region = region_chain().or_else(DEFAULT_REGION);
    aws_config::defaults(BehaviorVersion::latest())
        .region(region)
        .http_client(https_client())
        .load()
        .await
}

/// aws-config's default region chain — `AWS_REGION`/`AWS_DEFAULT_REGION`, the profile's `region`,
/// then the instance metadata (IMDSv2) — with [`https_client`] for the metadata call.
/// `RegionProviderChain::default_provider()` is that chain with the SDK's default HTTP client,
/// which this build leaves out: making it panics ("a http_client is required"), whatever the
/// environment, because aws-config builds the IMDS client's operation with the chain.
pub fn region_chain() -> RegionProviderChain {
    use aws_config::environment::region::EnvironmentVariableRegionProvider;
    use aws_config::imds::region::ImdsRegionProvider;
    use aws_config::profile::region::ProfileFileRegionProvider;
    use aws_config::provider_config::ProviderConfig;
    let conf = ProviderConfig::default().with_http_client(https_client());
    RegionProviderChain::first_try(EnvironmentVariableRegionProvider::new())
        .or_else(
            ProfileFileRegionProvider::builder()
                .configure(&conf)
                .build(),
        )
        .or_else(ImdsRegionProvider::builder().configure(&conf).build())
}

/// The SDK clients' HTTP(S) client: the one the SDK's `default-https-client` feature builds
/// (hyper 1 with rustls, proxies from `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` as for behavior
/// versions from 2025-08-07 on; `aws-smithy-runtime`'s `default_https_client`), with rustls over
/// ring instead of aws-lc-rs. The feature is left out because aws-lc-rs's C library was the
/// largest build-script run of the notebooks' cold build (the workspace Cargo.toml says more).
pub fn https_client() -> aws_sdk_s3::config::SharedHttpClient {
    use aws_smithy_http_client::proxy::ProxyConfig;
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    aws_smithy_http_client::Builder::new().build_with_connector_fn(|settings, components| {
        let mut connector = aws_smithy_http_client::Connector::builder()
            .tls_provider(Provider::Rustls(CryptoMode::Ring));
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    })
}

/// The endpoint URL configured for a service: `AWS_ENDPOINT_URL_<ID>`, then `AWS_ENDPOINT_URL`
/// (or the profile's `endpoint_url`, as loaded into `conf`), unless
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`.
pub fn configured_endpoint(conf: &SdkConfig, service_env_id: &str) -> Option<String> {
    let ignore = std::env::var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .map(|v| v.eq_ignore_ascii_case("true"))
        .unwrap_or(false);
    if ignore {
        return None;
    }
    let specific = std::env::var(format!("AWS_ENDPOINT_URL_{service_env_id}")).ok();
    let global = std::env::var("AWS_ENDPOINT_URL").ok();
    specific
        .or(global)
        .filter(|s| !s.trim().is_empty())
        .or_else(|| conf.endpoint_url().map(str::to_string))
}

/// An S3 client from `conf`; path-style addressing when an endpoint URL is configured.
pub fn s3_client(conf: &SdkConfig) -> aws_sdk_s3::Client {
    s3_client_with(conf, aws_sdk_s3::config::Builder::from(conf))
}

/// An S3 client from `conf` for another region (a bucket's own).
pub fn s3_client_in(conf: &SdkConfig, region: &str) -> aws_sdk_s3::Client {
    let b = aws_sdk_s3::config::Builder::from(conf)
        .region(aws_sdk_s3::config::Region::new(region.to_string()));
    s3_client_with(conf, b)
}

fn s3_client_with(conf: &SdkConfig, mut b: aws_sdk_s3::config::Builder) -> aws_sdk_s3::Client {
    if let Some(ep) = configured_endpoint(conf, "S3") {
        b = b.endpoint_url(ep).force_path_style(true);
    }
    aws_sdk_s3::Client::from_conf(b.build())
}

/// The configured region (or [`DEFAULT_REGION`]).
pub fn region_of(conf: &SdkConfig) -> String {
    conf.region()
        .map(|r| r.as_ref().to_string())
        .unwrap_or_else(|| DEFAULT_REGION.to_string())
}

/// The region in S3's answer to a request for a bucket of another region: the
/// `x-amz-bucket-region` header of a `301` (`PermanentRedirect`; a HEAD's 301 has no body).
pub fn redirect_region<E>(e: &SdkError<E, HttpResponse>) -> Option<String> {
    let raw = e.raw_response()?;
    if raw.status().as_u16() != 301 {
        return None;
    }
    raw.headers().get("x-amz-bucket-region").map(str::to_string)
}

/// Formats an SDK error with its whole cause chain (the SDK's own `Display` says only "service
/// error"), and what to do when it is about credentials.
pub(crate) fn sdk_error<E: std::error::Error>(what: impl std::fmt::Display, e: E) -> KitError {
    let text = DisplayErrorContext(&e).to_string();
    let hint = if kit::settings::is_expired(&text) {
        " — the AWS credentials have expired: refresh them (`aws sso login` for an SSO profile, \
         new keys or AWS_SESSION_TOKEN, or the profile named by AWS_PROFILE) and run the cell again"
            .to_string()
    } else if text.contains("loading credentials") || text.contains("CredentialsNotLoaded") {
        credentials_hint(&text)
    } else {
        String::new()
    };
    KitError::msg(format!("{what}: {text}{hint}"))
}

/// What to change when credentials cannot be loaded: the settings the chain reads, and
/// `aws sso login` when an SSO profile is the source.
fn credentials_hint(cause: &str) -> String {
    let profile = std::env::var("AWS_PROFILE")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "default".into());
    let lower = cause.to_ascii_lowercase();
    if lower.contains("sso") {
        format!(
            " — the profile {profile:?} uses AWS IAM Identity Center (SSO): run \
             `aws sso login --profile {profile}` (AWS CLI v2) and run the cell again"
        )
    } else {
        " — the kit reads credentials as the AWS CLI does: AWS_ACCESS_KEY_ID / \
         AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), AWS_PROFILE (keys, SSO, credential_process, \
         role_arn in ~/.aws/config), AWS_WEB_IDENTITY_TOKEN_FILE, container credentials, or the \
         instance role; set one of them (on a SageMaker notebook instance, the instance's role is \
         used when none is set)"
            .to_string()
    }
}

/// The credentials of `conf`'s chain (the ones the SDK clients sign with), or a message saying
/// which setting to change.
pub async fn credentials(conf: &SdkConfig) -> KitResult<aws_credential_types::Credentials> {
    use aws_credential_types::provider::ProvideCredentials as _;
    let Some(provider) = conf.credentials_provider() else {
        return Err(KitError::msg(format!(
            "no AWS credentials provider configured{}",
            credentials_hint("")
        )));
    };
    provider.provide_credentials().await.map_err(|e| {
        let text = DisplayErrorContext(&e).to_string();
        KitError::msg(format!(
            "cannot load AWS credentials: {text}{}",
            credentials_hint(&text)
        ))
    })
}

/// Creates `bucket` unless it exists; returns whether it was created. A bucket of another region
/// or of another account is an error naming the setting to change (training jobs read their data
/// from a bucket in their own region).
pub fn ensure_bucket(bucket: &str) -> KitResult<bool> {
    block_on(async {
        let conf = sdk_config().await;
        let s3 = s3_client(&conf);
        let here = region_of(&conf);
        match s3.head_bucket().bucket(bucket).send().await {
            Ok(_) => return Ok(false),
            Err(e) => {
                if let Some(there) = redirect_region(&e) {
                    return Err(KitError::msg(format!(
                        "bucket s3://{bucket} is in region {there}, not in {here} where the \
                         training jobs run (SageMaker reads training data from its own region): \
                         set KIT_BUCKET to a bucket in {here}, or AWS_REGION={there}"
                    )));
                }
                if e.raw_response().is_some_and(|r| r.status().as_u16() == 403) {
                    return Err(KitError::msg(format!(
                        "bucket s3://{bucket} exists but these credentials may not use it (403 \
                         Forbidden: another account's bucket, or no s3:ListBucket permission): \
                         set KIT_BUCKET to a bucket of yours"
                    )));
                }
            }
        }
        let mut req = s3.create_bucket().bucket(bucket);
        if here != DEFAULT_REGION {
            use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
            req = req.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(here.as_str()))
                    .build(),
            );
        }
        req.send()
            .await
            .map_err(|e| sdk_error(format!("creating bucket s3://{bucket}"), e))?;
        Ok(true)
    })?
}

/// Downloads an object, printing a progress line about every 10 % (and at the end).
pub fn download_object(bucket: &str, key: &str) -> KitResult<Vec<u8>> {
    let uri = format!("s3://{bucket}/{key}");
    block_on(async {
        let conf = sdk_config().await;
        let start = Instant::now();
        let get = |s3: aws_sdk_s3::Client| s3.get_object().bucket(bucket).key(key).send();
        let out = match get(s3_client(&conf)).await {
            Ok(out) => out,
            Err(e) => {
                let Some(region) = redirect_region(&e) else {
                    return Err(sdk_error(format!("downloading {uri}"), e));
                };
                println!("s3://{bucket} is in {region}: reading it from there");
                get(s3_client_in(&conf, &region))
                    .await
                    .map_err(|e| sdk_error(format!("downloading {uri} (from {region})"), e))?
            }
        };
        let total = out.content_length().unwrap_or(0).max(0) as u64;
        let mut body = out.body;
        let mut buf = Vec::with_capacity(total as usize);
        let mut next_report = 10u64;
        println!("downloading {uri} ({})", human_bytes(total));
        while let Some(chunk) = body
            .try_next()
            .await
            .map_err(|e| sdk_error(format!("reading {uri} at byte {}", buf.len()), e))?
        {
            buf.extend_from_slice(&chunk);
            if let Some(pct) = (buf.len() as u64 * 100).checked_div(total)
                && pct >= next_report
                && pct < 100
            {
                println!("  {uri}: {pct:3} % ({})", human_bytes(buf.len() as u64));
                next_report = (pct / 10 + 1) * 10;
            }
        }
        println!(
            "  {uri}: done, {} in {:.1} s",
            human_bytes(buf.len() as u64),
            start.elapsed().as_secs_f64()
        );
        Ok(buf)
    })?
}

/// Uploads bytes to `s3://bucket/key`, printing one line when done.
pub fn upload_object(bucket: &str, key: &str, bytes: Vec<u8>) -> KitResult<()> {
    let uri = format!("s3://{bucket}/{key}");
    block_on(async {
        let conf = sdk_config().await;
        let s3 = s3_client(&conf);
        put(&s3, &uri, bucket, key, bytes).await
    })?
}

pub(crate) async fn put(
    s3: &aws_sdk_s3::Client,
    uri: &str,
    bucket: &str,
    key: &str,
    bytes: Vec<u8>,
) -> KitResult<()> {
    let start = Instant::now();
    let n = bytes.len() as u64;
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(bytes))
        .send()
        .await
        .map_err(|e| sdk_error(format!("uploading {uri}"), e))?;
    println!(
        "  uploaded {uri} ({}) in {:.1} s",
        human_bytes(n),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// One listed object.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectInfo {
    /// Key.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// Last-modified time (RFC 3339), if the service sent one.
    pub last_modified: String,
}

/// Lists every object under `prefix` (all pages).
pub fn list_objects(bucket: &str, prefix: &str) -> KitResult<Vec<ObjectInfo>> {
    block_on(async {
        let conf = sdk_config().await;
        let s3 = s3_client(&conf);
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = s3
                .list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .set_continuation_token(token.clone())
                .send()
                .await
                .map_err(|e| sdk_error(format!("listing s3://{bucket}/{prefix}"), e))?;
            for o in page.contents() {
                out.push(ObjectInfo {
                    key: o.key().unwrap_or_default().to_string(),
                    size: o.size().unwrap_or(0).max(0) as u64,
                    last_modified: o.last_modified().map(|t| t.to_string()).unwrap_or_default(),
                });
            }
            token = page.next_continuation_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        Ok(out)
    })?
}

/// A listing as a table (key, size, last modified) with a total row.
pub fn objects_table(objects: &[ObjectInfo]) -> Table {
    let mut t = Table::new(["key", "size", "bytes", "last modified"]);
    let mut total = 0u64;
    for o in objects {
        total += o.size;
        t.push([
            o.key.clone(),
            human_bytes(o.size),
            o.size.to_string(),
            o.last_modified.clone(),
        ]);
    }
    t.push([
        format!("{} objects", objects.len()),
        human_bytes(total),
        total.to_string(),
        String::new(),
    ]);
    t
}

/// `1.5 MB`-style sizes (decimal units, like the AWS console).
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < UNITS.len() {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_sizes() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1_500), "1.5 kB");
        assert_eq!(human_bytes(73_400_000), "73.4 MB");
    }

    #[test]
    fn block_on_returns_the_value() {
        assert_eq!(block_on(async { 40 + 2 }).unwrap(), 42);
    }

    #[test]
    fn objects_table_has_total_row() {
        let t = objects_table(&[
            ObjectInfo {
                key: "a".into(),
                size: 10,
                last_modified: String::new(),
            },
            ObjectInfo {
                key: "b".into(),
                size: 5,
                last_modified: String::new(),
            },
        ]);
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.rows[2][0], "2 objects");
        assert_eq!(t.rows[2][2], "15");
    }
}
