//! The stand-in's fixed settings: the account it pretends to be, and the defaults `serve` and
//! `env` use when no flag or environment variable says otherwise.

/// The 12-digit account id reported in ARNs. `123456789012` is the placeholder account of AWS's
/// own documentation examples, so it can never be a real account's resources.
pub const ACCOUNT_ID: &str = "123456789012";
/// Default listening port (`--port`, `SAGEMAKER_OFFLINE_PORT`).
pub const DEFAULT_PORT: u16 = 18999;
/// Default region (`--region`, `SAGEMAKER_OFFLINE_REGION`).
pub const DEFAULT_REGION: &str = "us-east-1";
