//! What a fetch needs besides the URI: credentials (built by `cli` from the environment),
//! pvc mappings, the base directory for relative paths, parallelism and retry policy.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// A secret string: `Debug` and `Serialize` show `<redacted>`; there is no `Display`, so it
/// cannot end up in a message by accident. Read it with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The placeholder shown instead of a secret value.
    pub const REDACTED: &'static str = "<redacted>";

    /// Wraps a secret value.
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value, for handing to a client library. Never format it.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::REDACTED)
    }
}

impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(Self::REDACTED)
    }
}

/// Environment variables the upstream initializers read (kfserving 0.2.2 and rclone), plus the
/// GCS emulator convention. Defined once so `cli` and error messages agree.
pub mod vars {
    /// AWS access key id (kfserving, rclone `env_auth`).
    pub const AWS_ACCESS_KEY_ID: &str = "AWS_ACCESS_KEY_ID";
    /// AWS secret access key.
    pub const AWS_SECRET_ACCESS_KEY: &str = "AWS_SECRET_ACCESS_KEY";
    /// AWS session token.
    pub const AWS_SESSION_TOKEN: &str = "AWS_SESSION_TOKEN";
    /// AWS region (kfserving 0.4).
    pub const AWS_REGION: &str = "AWS_REGION";
    /// AWS region when `AWS_REGION` is unset (AWS SDK convention).
    pub const AWS_DEFAULT_REGION: &str = "AWS_DEFAULT_REGION";
    /// `0`/`false` accepts any TLS certificate from the S3 endpoint (kfserving).
    pub const S3_VERIFY_SSL: &str = "S3_VERIFY_SSL";
    /// Full S3 endpoint URL, e.g. `http://minio:9000` (kfserving).
    pub const AWS_ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";
    /// S3 endpoint host (and port) without a scheme (kfserving).
    pub const S3_ENDPOINT: &str = "S3_ENDPOINT";
    /// `0`/`false` makes `S3_ENDPOINT` plain http (kfserving; default https).
    pub const S3_USE_HTTPS: &str = "S3_USE_HTTPS";
    /// Path of a service-account (or authorized-user) JSON file for GCS.
    pub const GOOGLE_APPLICATION_CREDENTIALS: &str = "GOOGLE_APPLICATION_CREDENTIALS";
    /// `host:port` (or URL) of a GCS emulator, as Google's client libraries read it.
    pub const STORAGE_EMULATOR_HOST: &str = "STORAGE_EMULATOR_HOST";
    /// Azure service principal tenant (kfserving).
    pub const AZ_TENANT_ID: &str = "AZ_TENANT_ID";
    /// Azure service principal client id (kfserving).
    pub const AZ_CLIENT_ID: &str = "AZ_CLIENT_ID";
    /// Azure service principal secret (kfserving).
    pub const AZ_CLIENT_SECRET: &str = "AZ_CLIENT_SECRET";
    /// Blob endpoint replacing `https://<account>.blob.core.windows.net` (`object_store`'s name).
    pub const AZURE_STORAGE_ENDPOINT: &str = "AZURE_STORAGE_ENDPOINT";
    /// Microsoft Entra authority for service-principal tokens (Azure SDK convention).
    pub const AZURE_AUTHORITY_HOST: &str = "AZURE_AUTHORITY_HOST";
    /// Prefix of rclone remote definitions: `RCLONE_CONFIG_<REMOTE>_<KEY>`.
    pub const RCLONE_CONFIG_PREFIX: &str = "RCLONE_CONFIG_";
}

/// Credentials and endpoints for the object stores. Built from environment variables by
/// [`Credentials::from_env_vars`]; `Debug` shows secrets redacted.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Credentials {
    /// `AWS_ACCESS_KEY_ID`.
    pub aws_access_key_id: Option<String>,
    /// `AWS_SECRET_ACCESS_KEY`.
    pub aws_secret_access_key: Option<Secret>,
    /// `AWS_SESSION_TOKEN`.
    pub aws_session_token: Option<Secret>,
    /// `AWS_REGION`.
    pub aws_region: Option<String>,
    /// `AWS_DEFAULT_REGION`.
    pub aws_default_region: Option<String>,
    /// `AWS_ENDPOINT_URL`.
    pub aws_endpoint_url: Option<String>,
    /// `S3_ENDPOINT`.
    pub s3_endpoint: Option<String>,
    /// `S3_USE_HTTPS`.
    pub s3_use_https: Option<String>,
    /// `S3_VERIFY_SSL`.
    pub s3_verify_ssl: Option<String>,
    /// `GOOGLE_APPLICATION_CREDENTIALS`.
    pub google_application_credentials: Option<PathBuf>,
    /// `STORAGE_EMULATOR_HOST`.
    pub storage_emulator_host: Option<String>,
    /// `AZ_TENANT_ID`.
    pub az_tenant_id: Option<String>,
    /// `AZ_CLIENT_ID`.
    pub az_client_id: Option<String>,
    /// `AZ_CLIENT_SECRET`.
    pub az_client_secret: Option<Secret>,
    /// `AZURE_STORAGE_ENDPOINT`.
    pub azure_storage_endpoint: Option<String>,
    /// `AZURE_AUTHORITY_HOST`.
    pub azure_authority_host: Option<String>,
    /// rclone remotes: upper-case remote name → lower-case option name → value. All values
    /// are kept as secrets, since keys such as `secret_access_key` or
    /// `service_account_credentials` hold credentials.
    pub rclone: BTreeMap<String, BTreeMap<String, Secret>>,
}

impl Credentials {
    /// Picks the variables this module understands out of `vars` (e.g. `std::env::vars()`);
    /// empty values count as unset.
    #[must_use]
    pub fn from_env_vars<I, K, V>(vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        let mut creds = Self::default();
        for (key, value) in vars {
            let key = key.as_ref();
            let value: String = value.into();
            if value.is_empty() {
                continue;
            }
            match key {
                vars::AWS_ACCESS_KEY_ID => creds.aws_access_key_id = Some(value),
                vars::AWS_SECRET_ACCESS_KEY => creds.aws_secret_access_key = Some(Secret(value)),
                vars::AWS_SESSION_TOKEN => creds.aws_session_token = Some(Secret(value)),
                vars::AWS_REGION => creds.aws_region = Some(value),
                vars::AWS_DEFAULT_REGION => creds.aws_default_region = Some(value),
                vars::S3_VERIFY_SSL => creds.s3_verify_ssl = Some(value),
                vars::AWS_ENDPOINT_URL => creds.aws_endpoint_url = Some(value),
                vars::S3_ENDPOINT => creds.s3_endpoint = Some(value),
                vars::S3_USE_HTTPS => creds.s3_use_https = Some(value),
                vars::GOOGLE_APPLICATION_CREDENTIALS => {
                    creds.google_application_credentials = Some(PathBuf::from(value));
                }
                vars::STORAGE_EMULATOR_HOST => creds.storage_emulator_host = Some(value),
                vars::AZ_TENANT_ID => creds.az_tenant_id = Some(value),
                vars::AZ_CLIENT_ID => creds.az_client_id = Some(value),
                vars::AZ_CLIENT_SECRET => creds.az_client_secret = Some(Secret(value)),
                vars::AZURE_STORAGE_ENDPOINT => creds.azure_storage_endpoint = Some(value),
                vars::AZURE_AUTHORITY_HOST => creds.azure_authority_host = Some(value),
                _ => {
                    if let Some((remote, option)) = split_rclone_var(key) {
                        creds
                            .rclone
                            .entry(remote)
                            .or_default()
                            .insert(option, Secret(value));
                    }
                }
            }
        }
        creds
    }
}

/// `RCLONE_CONFIG_MY_S3_TYPE` → (`MY_S3`, `type`). rclone option names are single words or
/// snake case, so the remote is everything before the last recognised option suffix.
fn split_rclone_var(key: &str) -> Option<(String, String)> {
    const OPTIONS: &[&str] = &[
        "SERVICE_ACCOUNT_CREDENTIALS",
        "SERVICE_ACCOUNT_FILE",
        "SECRET_ACCESS_KEY",
        "ACCESS_KEY_ID",
        "FORCE_PATH_STYLE",
        "SESSION_TOKEN",
        "ANONYMOUS",
        "ENV_AUTH",
        "ENDPOINT",
        "PROVIDER",
        "REGION",
        "TYPE",
    ];
    let rest = key.strip_prefix(vars::RCLONE_CONFIG_PREFIX)?;
    OPTIONS.iter().find_map(|option| {
        let remote = rest.strip_suffix(option)?.strip_suffix('_')?;
        (!remote.is_empty()).then(|| (remote.to_owned(), option.to_ascii_lowercase()))
    })
}

/// How often and how patiently to retry transient failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RetryPolicy {
    /// Attempts per file, including the first.
    pub attempts: u32,
    /// Delay before the first retry; doubles each time.
    pub initial_backoff: Duration,
    /// Upper bound of the delay.
    pub max_backoff: Duration,
    /// A download that receives nothing for this long is abandoned and retried.
    pub idle_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 5,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            idle_timeout: Duration::from_mins(1),
        }
    }
}

impl RetryPolicy {
    /// The delay before retry number `retry` (1-based).
    #[must_use]
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }
}

/// Everything a fetch needs besides the source and the destination.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Config {
    /// Credentials and endpoints.
    pub credentials: Credentials,
    /// `pvc://<claim>/...` → the local directory standing in for that claim.
    pub pvcs: BTreeMap<String, PathBuf>,
    /// Relative local paths are resolved against this (the `SeldonDeployment` file's directory).
    pub base_dir: PathBuf,
    /// How many files are downloaded at once.
    pub parallelism: usize,
    /// Retry policy for transient failures.
    pub retry: RetryPolicy,
    /// Bounds on what one archive may expand to.
    pub unpack: UnpackLimits,
}

/// Bounds on an archive's expansion, checked while extracting: a few megabytes of archive can
/// otherwise write gigabytes (a decompression bomb).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct UnpackLimits {
    /// Bytes written, over every entry.
    pub max_bytes: u64,
    /// Entries (files and directories).
    pub max_entries: u64,
}

impl UnpackLimits {
    /// 64 GiB: larger than any model served locally, far below a bomb's expansion.
    pub const DEFAULT_MAX_BYTES: u64 = 64 << 30;
    /// 100,000 entries: a SavedModel has a handful.
    pub const DEFAULT_MAX_ENTRIES: u64 = 100_000;
}

impl Default for UnpackLimits {
    fn default() -> Self {
        Self {
            max_bytes: Self::DEFAULT_MAX_BYTES,
            max_entries: Self::DEFAULT_MAX_ENTRIES,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            credentials: Credentials::default(),
            pvcs: BTreeMap::new(),
            base_dir: PathBuf::from("."),
            parallelism: 4,
            retry: RetryPolicy::default(),
            unpack: UnpackLimits::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANARY: &str = "canary-7f3a9c-do-not-print";

    #[test]
    fn env_vars_are_picked_and_secrets_redacted_in_debug_and_serialize() {
        let creds = Credentials::from_env_vars([
            ("AWS_ACCESS_KEY_ID", "AKIA"),
            ("AWS_SECRET_ACCESS_KEY", CANARY),
            ("RCLONE_CONFIG_MY_S3_SECRET_ACCESS_KEY", CANARY),
            ("RCLONE_CONFIG_MY_S3_TYPE", "s3"),
            ("PATH", "/usr/bin"),
            ("S3_ENDPOINT", ""),
        ]);
        assert_eq!(creds.aws_access_key_id.as_deref(), Some("AKIA"));
        assert_eq!(
            creds.aws_secret_access_key.as_ref().map(Secret::expose),
            Some(CANARY)
        );
        assert_eq!(creds.s3_endpoint, None, "empty values count as unset");
        let remote = &creds.rclone["MY_S3"];
        assert_eq!(remote["type"].expose(), "s3");
        assert_eq!(remote["secret_access_key"].expose(), CANARY);

        let debug = format!(
            "{creds:?} {:#?}",
            Config {
                credentials: creds.clone(),
                ..Config::default()
            }
        );
        assert!(!debug.contains(CANARY), "{debug}");
        assert!(debug.contains(Secret::REDACTED));
        let json = serde_json::to_string(&creds).unwrap();
        assert!(!json.contains(CANARY), "{json}");
    }

    #[test]
    fn rclone_variables_split_into_remote_and_option() {
        assert_eq!(
            split_rclone_var("RCLONE_CONFIG_GS_TYPE"),
            Some(("GS".into(), "type".into()))
        );
        assert_eq!(
            split_rclone_var("RCLONE_CONFIG_MY_GCS_SERVICE_ACCOUNT_FILE"),
            Some(("MY_GCS".into(), "service_account_file".into()))
        );
        assert_eq!(split_rclone_var("RCLONE_CONFIG_TYPE"), None);
        assert_eq!(split_rclone_var("RCLONE_VERBOSE"), None);
        assert_eq!(split_rclone_var("RCLONE_CONFIG_S3_UNKNOWN_THING"), None);
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let policy = RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(350),
            ..RetryPolicy::default()
        };
        assert_eq!(policy.backoff(1), Duration::from_millis(100));
        assert_eq!(policy.backoff(2), Duration::from_millis(200));
        assert_eq!(policy.backoff(3), Duration::from_millis(350));
        assert_eq!(policy.backoff(40), Duration::from_millis(350));
    }
}
