//! Building `object_store` clients for `gs://`, `s3://` and rclone remotes from
//! [`Credentials`], and remembering which credential source was used (never its value).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use object_store::aws::AmazonS3Builder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::{BackoffConfig, ClientOptions, ObjectStore, RetryConfig};

use super::config::{Config, Credentials, RetryPolicy, Secret, vars};
use super::error::StorageError;
use super::source::Source;

/// A configured bucket client and how to describe it.
#[derive(Debug)]
pub(crate) struct Bucket {
    pub(crate) store: Arc<dyn ObjectStore>,
    /// `s3://bucket`, `gs://bucket` or `remote:bucket`, for messages.
    pub(crate) location: String,
    /// The object prefix (no surrounding slashes).
    pub(crate) prefix: String,
    /// Which credentials were used, for "access denied" messages.
    pub(crate) tried: String,
    /// The store's well-known host, when the client will talk to it (no custom endpoint):
    /// looked up once before listing, so an offline machine fails at once rather than after
    /// the client's retries.
    pub(crate) host: Option<String>,
}

/// Builds the client for an object-store source; `None` for other sources.
pub(crate) fn bucket(source: &Source, config: &Config) -> Result<Option<Bucket>, StorageError> {
    let creds = &config.credentials;
    let (kind, bucket, prefix, location) = match source {
        // rclone semantics: `s3://…` and `gs://…` use a remote of that name when one is
        // defined (the 1.18 initializer's way of configuring them), else the kfserving env.
        Source::S3 { bucket, prefix } => match rclone_remote(creds, "s3") {
            Some((name, remote)) => (Kind::Rclone(name, remote), bucket, prefix, "s3://"),
            None => (Kind::AwsEnv, bucket, prefix, "s3://"),
        },
        Source::Gcs { bucket, prefix } => match rclone_remote(creds, "gs") {
            Some((name, remote)) => (Kind::Rclone(name, remote), bucket, prefix, "gs://"),
            None => (Kind::GcsEnv, bucket, prefix, "gs://"),
        },
        Source::Rclone {
            remote,
            bucket,
            prefix,
        } => match rclone_remote(creds, remote) {
            Some((name, options)) => (Kind::Rclone(name, options), bucket, prefix, ""),
            // The rclone image predefines an anonymous `gs` remote.
            None if remote.eq_ignore_ascii_case("gs") => {
                (Kind::GcsAnonymousDefault, bucket, prefix, "")
            }
            None => {
                return Err(StorageError::RcloneRemoteNotConfigured {
                    remote: remote.clone(),
                    upper: rclone_env_name(remote),
                });
            }
        },
        Source::Azure {
            account,
            container,
            prefix,
        } => (Kind::Azure(account), container, prefix, ""),
        Source::Http { .. } | Source::Local { .. } | Source::Pvc { .. } => return Ok(None),
    };
    let location = match source {
        Source::Rclone { remote, .. } => format!("{remote}:{bucket}"),
        Source::Azure {
            account, container, ..
        } => {
            format!("https://{account}.blob.core.windows.net/{container}")
        }
        _ => format!("{location}{bucket}"),
    };
    if let Kind::Rclone(_, options) = &kind {
        let remote_type = options.get("type").map(Secret::expose).unwrap_or_default();
        if !matches!(remote_type, "s3" | "google cloud storage" | "gcs") {
            return Err(StorageError::UnsupportedRcloneType {
                remote: location.split(':').next().unwrap_or_default().to_owned(),
                kind: remote_type.to_owned(),
            });
        }
    }
    let host = match &kind {
        // A key file may name another endpoint (`gcs_base_url`).
        Kind::GcsEnv
            if creds.storage_emulator_host.is_none()
                && creds.google_application_credentials.is_none() =>
        {
            Some("storage.googleapis.com".to_owned())
        }
        Kind::GcsAnonymousDefault => Some("storage.googleapis.com".to_owned()),
        Kind::Azure(account) if creds.azure_storage_endpoint.is_none() => {
            Some(format!("{account}.blob.core.windows.net"))
        }
        _ => None,
    };
    let built = match kind {
        Kind::AwsEnv => s3_from_env(bucket, creds, &config.retry),
        Kind::GcsEnv => gcs_from_env(bucket, creds, &config.retry),
        Kind::GcsAnonymousDefault => gcs(bucket, GcsAuth::Anonymous, None, &config.retry)
            .map(|s| (s, "anonymous (the built-in rclone remote `gs`)".to_owned())),
        Kind::Rclone(name, options) => rclone(bucket, &name, options, creds, &config.retry),
        Kind::Azure(account) => azure(account, bucket, creds, &config.retry),
    };
    let (store, tried) = built.map_err(|source| StorageError::Configure {
        location: location.clone(),
        source: super::error::condense(&source),
    })?;
    Ok(Some(Bucket {
        store,
        location,
        prefix: prefix.clone(),
        tried,
        host,
    }))
}

enum Kind<'a> {
    Azure(&'a str),
    AwsEnv,
    GcsEnv,
    GcsAnonymousDefault,
    Rclone(String, &'a BTreeMap<String, Secret>),
}

/// rclone's variable name for a remote: upper case, `-` as `_`.
fn rclone_env_name(remote: &str) -> String {
    remote.to_ascii_uppercase().replace(['-', '.', ' '], "_")
}

fn rclone_remote<'a>(
    creds: &'a Credentials,
    remote: &str,
) -> Option<(String, &'a BTreeMap<String, Secret>)> {
    let upper = rclone_env_name(remote);
    creds
        .rclone
        .get(&upper)
        .filter(|o| o.contains_key("type"))
        .map(|o| (upper, o))
}

type Built = Result<(Arc<dyn ObjectStore>, String), object_store::Error>;

fn client_options(retry: &RetryPolicy) -> ClientOptions {
    super::roots::for_object_store(ClientOptions::new())
        // Plain http only ever goes to an endpoint the user configured (MinIO, an emulator,
        // `gcs_base_url` in a key file); the default endpoints are https.
        .with_allow_http(true)
        // Model files can be large: no total-request timeout, but a stalled read is retried.
        .with_timeout_disabled()
        .with_connect_timeout(Duration::from_secs(10))
        .with_read_timeout(retry.idle_timeout)
}

fn retry_config(retry: &RetryPolicy) -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: retry.initial_backoff,
            max_backoff: retry.max_backoff,
            base: 2.0,
        },
        max_retries: retry.attempts.saturating_sub(1) as usize,
        retry_timeout: Duration::from_mins(3),
    }
}

fn s3_from_env(bucket: &str, creds: &Credentials, retry: &RetryPolicy) -> Built {
    let endpoint = match (&creds.aws_endpoint_url, &creds.s3_endpoint) {
        (Some(url), _) => Some(url.clone()),
        (None, Some(host)) if host.contains("://") => Some(host.clone()),
        (None, Some(host)) => {
            let https = creds.s3_use_https.as_deref().is_none_or(|v| !is_false(v));
            Some(format!("{}://{host}", if https { "https" } else { "http" }))
        }
        (None, None) => None,
    };
    let keys = match (&creds.aws_access_key_id, &creds.aws_secret_access_key) {
        (Some(id), Some(secret)) => Some((id.as_str(), secret, creds.aws_session_token.as_ref())),
        _ => None,
    };
    let tried = if keys.is_some() {
        format!(
            "`{}`/`{}` from the environment",
            vars::AWS_ACCESS_KEY_ID,
            vars::AWS_SECRET_ACCESS_KEY
        )
    } else {
        format!(
            "anonymous (`{}`/`{}` are not set)",
            vars::AWS_ACCESS_KEY_ID,
            vars::AWS_SECRET_ACCESS_KEY
        )
    };
    let settings = S3Settings {
        endpoint: endpoint.as_deref(),
        region: creds
            .aws_region
            .as_deref()
            .or(creds.aws_default_region.as_deref()),
        keys,
        path_style: true,
        verify_tls: creds.s3_verify_ssl.as_deref().is_none_or(|v| !is_false(v)),
    };
    Ok((s3(bucket, &settings, retry)?, tried))
}

/// `0`/`false` in the spellings the upstream variables use.
fn is_false(value: &str) -> bool {
    matches!(value.trim(), "0" | "false" | "False" | "FALSE")
}

/// How to reach one S3 bucket.
struct S3Settings<'a> {
    endpoint: Option<&'a str>,
    region: Option<&'a str>,
    /// Access key id, secret, session token.
    keys: Option<(&'a str, &'a Secret, Option<&'a Secret>)>,
    path_style: bool,
    /// `S3_VERIFY_SSL=0` accepts self-signed certificates (MinIO), as kfserving does.
    verify_tls: bool,
}

fn s3(
    bucket: &str,
    settings: &S3Settings<'_>,
    retry: &RetryPolicy,
) -> Result<Arc<dyn ObjectStore>, object_store::Error> {
    let options = client_options(retry).with_allow_invalid_certificates(!settings.verify_tls);
    let mut builder = AmazonS3Builder::new()
        .with_bucket_name(bucket)
        .with_region(settings.region.unwrap_or("us-east-1"))
        .with_virtual_hosted_style_request(!settings.path_style)
        .with_client_options(options)
        .with_retry(retry_config(retry));
    if let Some(endpoint) = settings.endpoint {
        builder = builder.with_endpoint(endpoint);
    }
    builder = match settings.keys {
        Some((id, secret, token)) => {
            let builder = builder
                .with_access_key_id(id)
                .with_secret_access_key(secret.expose());
            match token {
                Some(token) => builder.with_token(token.expose()),
                None => builder,
            }
        }
        // Without keys, sign nothing (public buckets) rather than probe instance metadata.
        None => builder.with_skip_signature(true),
    };
    Ok(Arc::new(builder.build()?))
}

#[derive(Clone, Copy)]
enum GcsAuth<'a> {
    Anonymous,
    /// A JSON credentials file: a service account or an authorized user (gcloud ADC).
    File(&'a std::path::Path),
    /// Inline service-account JSON (rclone `service_account_credentials`).
    Inline(&'a Secret),
}

fn gcs_from_env(bucket: &str, creds: &Credentials, retry: &RetryPolicy) -> Built {
    let endpoint = creds.storage_emulator_host.as_deref().map(with_scheme);
    let (auth, tried) = match &creds.google_application_credentials {
        Some(path) => (
            GcsAuth::File(path),
            format!(
                "credentials file `{}` from `{}`",
                path.display(),
                vars::GOOGLE_APPLICATION_CREDENTIALS
            ),
        ),
        None => (
            GcsAuth::Anonymous,
            format!(
                "anonymous (`{}` is not set)",
                vars::GOOGLE_APPLICATION_CREDENTIALS
            ),
        ),
    };
    Ok((gcs(bucket, auth, endpoint.as_deref(), retry)?, tried))
}

fn with_scheme(host: &str) -> String {
    if host.contains("://") {
        host.to_owned()
    } else {
        format!("http://{host}")
    }
}

fn gcs(
    bucket: &str,
    auth: GcsAuth<'_>,
    endpoint: Option<&str>,
    retry: &RetryPolicy,
) -> Result<Arc<dyn ObjectStore>, object_store::Error> {
    let mut builder = GoogleCloudStorageBuilder::new()
        .with_bucket_name(bucket)
        .with_client_options(client_options(retry))
        .with_retry(retry_config(retry));
    if let Some(endpoint) = endpoint {
        builder = builder.with_base_url(endpoint);
    }
    builder = match auth {
        GcsAuth::Anonymous => builder.with_skip_signature(true),
        GcsAuth::File(path) => {
            let path = path.to_string_lossy().into_owned();
            if is_authorized_user(&path) {
                builder.with_application_credentials(path)
            } else {
                builder.with_service_account_path(path)
            }
        }
        GcsAuth::Inline(json) => builder.with_service_account_key(json.expose()),
    };
    Ok(Arc::new(builder.build()?))
}

/// gcloud's application-default credentials (`"type": "authorized_user"`) need the ADC
/// loader; anything else is treated as a service-account key.
fn is_authorized_user(path: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Kind {
        #[serde(rename = "type")]
        kind: Option<String>,
    }
    std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Kind>(&bytes).ok())
        .and_then(|k| k.kind)
        .is_some_and(|k| k == "authorized_user")
}

/// kfserving's Azure rules: a service principal from `AZ_CLIENT_ID`/`AZ_CLIENT_SECRET`/
/// `AZ_TENANT_ID` when all are set, else anonymous (public containers).
fn azure(account: &str, container: &str, creds: &Credentials, retry: &RetryPolicy) -> Built {
    use object_store::azure::MicrosoftAzureBuilder;
    let mut builder = MicrosoftAzureBuilder::new()
        .with_account(account)
        .with_container_name(container)
        .with_client_options(client_options(retry))
        .with_retry(retry_config(retry));
    if let Some(endpoint) = &creds.azure_storage_endpoint {
        builder = builder.with_endpoint(endpoint.clone());
    }
    if let Some(host) = &creds.azure_authority_host {
        builder = builder.with_authority_host(host);
    }
    let principal = (
        &creds.az_client_id,
        &creds.az_client_secret,
        &creds.az_tenant_id,
    );
    let (builder, tried) = if let (Some(id), Some(secret), Some(tenant)) = principal {
        let tried = format!(
            "service principal `{}`/`{}`/`{}` from the environment",
            vars::AZ_CLIENT_ID,
            vars::AZ_CLIENT_SECRET,
            vars::AZ_TENANT_ID
        );
        (
            builder.with_client_secret_authorization(id, secret.expose(), tenant),
            tried,
        )
    } else {
        let tried = format!(
            "anonymous (`{}`, `{}` and `{}` are not all set)",
            vars::AZ_CLIENT_ID,
            vars::AZ_CLIENT_SECRET,
            vars::AZ_TENANT_ID
        );
        (builder.with_skip_signature(true), tried)
    };
    Ok((Arc::new(builder.build()?), tried))
}

/// One rclone remote's options (`RCLONE_CONFIG_<NAME>_<OPTION>`).
struct Remote<'a> {
    name: &'a str,
    options: &'a BTreeMap<String, Secret>,
}

impl Remote<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.options
            .get(key)
            .map(Secret::expose)
            .filter(|v| !v.is_empty())
    }

    fn flag(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|v| matches!(v, "true" | "True" | "TRUE" | "1"))
    }

    /// The variable behind `key`, for messages.
    fn var(&self, key: &str) -> String {
        format!("`RCLONE_CONFIG_{}_{}`", self.name, key.to_ascii_uppercase())
    }
}

fn rclone(
    bucket: &str,
    name: &str,
    options: &BTreeMap<String, Secret>,
    creds: &Credentials,
    retry: &RetryPolicy,
) -> Built {
    let remote = Remote { name, options };
    match remote.get("type").unwrap_or_default() {
        "s3" => rclone_s3(bucket, &remote, creds, retry),
        "google cloud storage" | "gcs" => rclone_gcs(bucket, &remote, creds, retry),
        other => Err(object_store::Error::NotSupported {
            source: format!(
                "rclone remote `{name}` has type `{other}`; supported types: `s3`, \
                 `google cloud storage`"
            )
            .into(),
        }),
    }
}

fn rclone_s3(bucket: &str, remote: &Remote<'_>, creds: &Credentials, retry: &RetryPolicy) -> Built {
    let endpoint = remote.get("endpoint").map(|e| {
        if e.contains("://") {
            e.to_owned()
        } else {
            format!("https://{e}")
        }
    });
    let (keys, tried) = if let (Some(id), Some(secret)) = (
        remote.get("access_key_id"),
        remote.options.get("secret_access_key"),
    ) {
        (
            Some((id, secret, remote.options.get("session_token"))),
            format!(
                "rclone remote keys {}/{}",
                remote.var("access_key_id"),
                remote.var("secret_access_key")
            ),
        )
    } else if remote.flag("env_auth")
        && let (Some(id), Some(secret)) = (&creds.aws_access_key_id, &creds.aws_secret_access_key)
    {
        (
            Some((id.as_str(), secret, creds.aws_session_token.as_ref())),
            format!(
                "`{}`/`{}` from the environment ({} is true)",
                vars::AWS_ACCESS_KEY_ID,
                vars::AWS_SECRET_ACCESS_KEY,
                remote.var("env_auth")
            ),
        )
    } else {
        (
            None,
            format!("anonymous (rclone remote `{}` has no keys)", remote.name),
        )
    };
    let settings = S3Settings {
        endpoint: endpoint.as_deref(),
        region: remote.get("region").or(creds.aws_region.as_deref()),
        keys,
        path_style: remote.get("force_path_style").is_none_or(|v| !is_false(v)),
        verify_tls: true,
    };
    Ok((s3(bucket, &settings, retry)?, tried))
}

fn rclone_gcs(
    bucket: &str,
    remote: &Remote<'_>,
    creds: &Credentials,
    retry: &RetryPolicy,
) -> Built {
    let endpoint = remote.get("endpoint").map(with_scheme);
    let (auth, tried) = if let Some(json) = remote.options.get("service_account_credentials") {
        let tried = format!(
            "service account from {}",
            remote.var("service_account_credentials")
        );
        (GcsAuth::Inline(json), tried)
    } else if let Some(path) = remote.get("service_account_file").map(std::path::Path::new) {
        let tried = format!(
            "service account file `{}` from {}",
            path.display(),
            remote.var("service_account_file")
        );
        (GcsAuth::File(path), tried)
    } else if !remote.flag("anonymous")
        && let Some(path) = &creds.google_application_credentials
    {
        let tried = format!(
            "credentials file `{}` from `{}`",
            path.display(),
            vars::GOOGLE_APPLICATION_CREDENTIALS
        );
        (GcsAuth::File(path), tried)
    } else {
        (
            GcsAuth::Anonymous,
            format!("anonymous (rclone remote `{}`)", remote.name),
        )
    };
    Ok((gcs(bucket, auth, endpoint.as_deref(), retry)?, tried))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Config {
        Config {
            credentials: Credentials::from_env_vars(vars.iter().copied()),
            ..Config::default()
        }
    }

    #[test]
    fn an_undefined_rclone_remote_names_its_variables() {
        let source = Source::parse("my-minio:models/iris").unwrap();
        let err = bucket(&source, &config(&[])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "rclone remote `my-minio` is not configured; define it with \
             `RCLONE_CONFIG_MY_MINIO_TYPE` and its options"
        );
    }

    #[test]
    fn credential_sources_are_named_without_values() {
        let canary = "canary-secret-value";
        let cases = [
            (
                "s3://b/p",
                vec![
                    ("AWS_ACCESS_KEY_ID", "id"),
                    ("AWS_SECRET_ACCESS_KEY", canary),
                ],
                "`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` from the environment",
            ),
            ("s3://b/p", vec![], "anonymous"),
            (
                "gs://b/p",
                vec![],
                "anonymous (`GOOGLE_APPLICATION_CREDENTIALS` is not set)",
            ),
            ("gs:b/p", vec![], "the built-in rclone remote `gs`"),
            (
                "s3://b/p",
                vec![
                    ("RCLONE_CONFIG_S3_TYPE", "s3"),
                    ("RCLONE_CONFIG_S3_ACCESS_KEY_ID", "id"),
                    ("RCLONE_CONFIG_S3_SECRET_ACCESS_KEY", canary),
                    ("RCLONE_CONFIG_S3_ENDPOINT", "http://127.0.0.1:9"),
                ],
                "`RCLONE_CONFIG_S3_SECRET_ACCESS_KEY`",
            ),
        ];
        for (uri, vars, expected) in cases {
            let built = bucket(&Source::parse(uri).unwrap(), &config(&vars))
                .unwrap()
                .unwrap();
            assert!(built.tried.contains(expected), "{uri}: {}", built.tried);
            assert!(!built.tried.contains(canary));
        }
    }

    #[test]
    fn unsupported_rclone_types_are_refused() {
        let source = Source::parse("az:container/m").unwrap();
        let err = bucket(&source, &config(&[("RCLONE_CONFIG_AZ_TYPE", "azureblob")])).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("`azureblob`") && text.contains("`s3`"),
            "{text}"
        );
    }
}
