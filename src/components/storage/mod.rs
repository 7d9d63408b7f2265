//! The storage initializer: fetches a `modelUri` into the model volume (DEST), the job the
//! operator gives the `<container>-model-initializer` init container.
//!
//! [`fetch`] takes a parsed [`Source`], a destination directory and a [`Config`] (credentials
//! come in as data; this module never reads the environment) and reports [`Event`]s through a
//! callback; `cli` draws them. Sources: `gs://`, `s3://`, Azure
//! `https://<account>.blob.core.windows.net/…` and rclone `remote:bucket/path` (s3 and gcs
//! remotes) through `object_store`; other `http(s)://` URLs as one file or an archive that is
//! unpacked; `file://`, local paths and `pvc://` claims mapped to local directories (copied,
//! where kfserving symlinked).
//!
//! Guarantees:
//! - atomic: everything lands in a hidden staging directory and is moved into DEST only after
//!   every file has arrived and passed its size/MD5 check; on failure the staging is removed;
//! - contained: object keys, archive entries and pvc paths must be relative paths of normal
//!   components, archives may hold only files and directories, and nothing creates symlinks,
//!   so nothing is written outside DEST; an offending entry fails the fetch with its name;
//! - quiet about secrets: credentials are [`Secret`]s and URLs are shown without user info or
//!   query strings.
//!
//! It must not print, read the environment, or depend on `cli`, `output`, `sdep` or `runtime`.

pub(crate) mod archive;
mod config;
mod download;
mod error;
mod fs;
mod progress;
mod roots;
mod source;
mod stores;

use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use object_store::ObjectStoreExt;
use object_store::path::Path as ObjectPath;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

pub use config::{Config, Credentials, RetryPolicy, Secret, UnpackLimits, vars};
pub use error::{StorageError, Unreachable};
pub use progress::Snapshot;
pub use source::{KNOWN_SCHEMES, Source};

use archive::ArchiveKind;
use download::{Failure, Item, Origin};
use fs::Staging;

/// Progress of a fetch, in the order it happens.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The files to fetch are known; `bytes` is `None` when some sizes are unknown. A plain
    /// URL sends it again with its size once the response announces one.
    Planned {
        /// Number of files.
        files: u64,
        /// Their total size, if known.
        bytes: Option<u64>,
    },
    /// Bytes received.
    Bytes {
        /// How many.
        bytes: u64,
    },
    /// Bytes counted earlier that were thrown away (a server restarted a file from zero).
    Discarded {
        /// How many.
        bytes: u64,
    },
    /// A file is complete and checked.
    FileDone {
        /// Its path relative to DEST.
        name: String,
    },
    /// A transient failure; the file is retried (resumed where the server allows).
    Retrying {
        /// The file.
        name: String,
        /// The attempt about to start (2 for the first retry).
        attempt: u32,
        /// The pause before it.
        delay: Duration,
        /// What went wrong (no credentials).
        reason: String,
    },
    /// An archive is being unpacked.
    Unpacking {
        /// Its name.
        archive: String,
    },
}

/// What a successful fetch delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Files written into DEST.
    pub files: u64,
    /// Their total size.
    pub bytes: u64,
    /// The destination.
    pub dest: PathBuf,
}

/// Fetches `source` into `dest` (created if missing; existing files of the same name are
/// replaced). `progress` is called on the calling task, never concurrently.
pub async fn fetch(
    source: &Source,
    dest: &Path,
    config: &Config,
    mut progress: impl FnMut(Event),
) -> Result<Summary, StorageError> {
    let staging = Staging::create(dest)?;
    let (events, mut received) = unbounded_channel();
    let result = {
        let work = run(source, &staging, config, events);
        tokio::pin!(work);
        loop {
            tokio::select! {
                Some(event) = received.recv() => progress(event),
                result = &mut work => break result,
            }
        }
    };
    while let Ok(event) = received.try_recv() {
        progress(event);
    }
    let (files, bytes) = result?;
    staging.commit()?;
    Ok(Summary {
        files,
        bytes,
        dest: dest.to_owned(),
    })
}

async fn run(
    source: &Source,
    staging: &Staging,
    config: &Config,
    events: UnboundedSender<Event>,
) -> Result<(u64, u64), StorageError> {
    match source {
        Source::Local { path } => copy_local(config.base_dir.join(path), staging, events).await,
        Source::Pvc { claim, path } => {
            let root = config
                .pvcs
                .get(claim)
                .ok_or_else(|| StorageError::UnmappedPvc {
                    claim: claim.clone(),
                })?;
            let dir = match fs::safe_relative(path)? {
                Some(rel) => root.join(rel),
                None => root.clone(),
            };
            copy_local(config.base_dir.join(dir), staging, events).await
        }
        Source::Http { url } => fetch_http(url, staging, config, &events).await,
        Source::Gcs { .. } | Source::S3 { .. } | Source::Rclone { .. } | Source::Azure { .. } => {
            let bucket = stores::bucket(source, config)?
                .expect("object-store sources always build a bucket client");
            let items = list(&bucket).await?;
            download_all(items, staging, config, &events).await
        }
    }
}

/// Tells blocking work (copies, unpacking) to stop when the fetch future is dropped, so it
/// does not keep writing into a staging directory that is being removed.
#[derive(Default)]
struct CancelOnDrop(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

async fn copy_local(
    src: PathBuf,
    staging: &Staging,
    events: UnboundedSender<Event>,
) -> Result<(u64, u64), StorageError> {
    let into = staging.root().to_owned();
    let cancel = CancelOnDrop::default();
    let cancelled = cancel.0.clone();
    let copied = tokio::task::spawn_blocking(move || {
        fs::copy_local(&src, &into, &cancelled, &mut |rel, bytes| {
            let _ = events.send(Event::Bytes { bytes });
            let _ = events.send(Event::FileDone {
                name: rel.display().to_string(),
            });
        })
    })
    .await
    .expect("local copy task does not panic")?;
    Ok((copied.files, copied.bytes))
}

/// Lists the objects under the bucket prefix (as a directory), or the single object the
/// prefix names. An empty result is an error.
async fn list(bucket: &stores::Bucket) -> Result<Vec<Item>, StorageError> {
    let prefix_url = format!("{}/{}", bucket.location, bucket.prefix);
    if let Some(host) = &bucket.host {
        // One lookup instead of the client's retries: offline, this fails in milliseconds.
        let lookup = tokio::net::lookup_host((host.as_str(), 443));
        if let Ok(Err(_)) = tokio::time::timeout(Duration::from_secs(3), lookup).await {
            return Err(StorageError::Unreachable {
                location: prefix_url,
                problem: Unreachable::Dns { host: host.clone() },
            });
        }
    }
    let prefix = ObjectPath::parse(&bucket.prefix).map_err(|e| StorageError::InvalidUri {
        uri: prefix_url.clone(),
        reason: e.to_string(),
    })?;
    let scope = (!bucket.prefix.is_empty()).then_some(&prefix);
    let listing: Vec<_> = bucket
        .store
        .list(scope)
        .map_err(download::classify_store)
        .try_collect()
        .await
        .map_err(|failure| listing_error(bucket, &prefix_url, failure))?;
    let mut items = Vec::with_capacity(listing.len());
    for meta in listing {
        let key = meta.location.as_ref();
        let rel = match scope {
            Some(_) => key
                .strip_prefix(bucket.prefix.as_str())
                .and_then(|r| r.strip_prefix('/')),
            None => Some(key),
        };
        let Some(rel) = rel.filter(|r| !r.is_empty()) else {
            continue;
        };
        let Some(rel) = fs::safe_relative(rel)? else {
            continue;
        };
        items.push(object_item(bucket, meta, &rel));
    }
    drop_directory_markers(&mut items);
    if items.is_empty() && !bucket.prefix.is_empty() {
        // The prefix may name one object rather than a directory.
        match bucket
            .store
            .head(&prefix)
            .await
            .map_err(download::classify_store)
        {
            Ok(meta) => {
                let name = prefix.filename().unwrap_or("model").to_owned();
                items.push(object_item(bucket, meta, Path::new(&name)));
            }
            Err(Failure::NotFound(_)) => {}
            Err(failure) => return Err(listing_error(bucket, &prefix_url, failure)),
        }
    }
    if items.is_empty() {
        return Err(StorageError::EmptyPrefix {
            location: prefix_url,
        });
    }
    items.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(items)
}

/// Drops the zero-byte "directory" objects some tools create (`a/b/` next to `a/b/c`), which
/// would otherwise become files that collide with the directory.
fn drop_directory_markers(items: &mut Vec<Item>) {
    let dirs: std::collections::BTreeSet<PathBuf> = items
        .iter()
        .flat_map(|item| {
            Path::new(&item.name)
                .ancestors()
                .skip(1)
                .map(Path::to_owned)
        })
        .collect();
    items.retain(|item| item.size != Some(0) || !dirs.contains(Path::new(&item.name)));
}

fn object_item(bucket: &stores::Bucket, meta: object_store::ObjectMeta, rel: &Path) -> Item {
    Item {
        location: format!("{}/{}", bucket.location, meta.location),
        name: rel.display().to_string(),
        tried: bucket.tried.clone(),
        size: Some(meta.size),
        md5: None,
        e_tag: meta.e_tag,
        origin: Origin::Object {
            store: bucket.store.clone(),
            path: meta.location,
        },
    }
}

fn listing_error(bucket: &stores::Bucket, location: &str, failure: Failure) -> StorageError {
    if let Failure::Transient(e) | Failure::Permanent(e) = &failure
        && let Some(problem) = error::diagnose(e.as_ref(), None)
    {
        return StorageError::Unreachable {
            location: location.to_owned(),
            problem,
        };
    }
    match failure.condensed() {
        Failure::NotFound(cause) => StorageError::NotFound {
            location: bucket.location.clone(),
            cause: Some(cause),
        },
        Failure::Denied(cause) => StorageError::AccessDenied {
            location: location.to_owned(),
            tried: bucket.tried.clone(),
            cause: Some(cause),
        },
        Failure::Storage(err) => err,
        Failure::Transient(cause) | Failure::Changed(cause) | Failure::Permanent(cause) => {
            StorageError::List {
                location: location.to_owned(),
                cause,
            }
        }
    }
}

async fn download_all(
    items: Vec<Item>,
    staging: &Staging,
    config: &Config,
    events: &UnboundedSender<Event>,
) -> Result<(u64, u64), StorageError> {
    let files = items.len() as u64;
    let bytes = items.iter().map(|i| i.size).sum::<Option<u64>>();
    let _ = events.send(Event::Planned { files, bytes });
    let mut paths = Vec::with_capacity(items.len());
    for item in &items {
        paths.push(staging.prepare_file(Path::new(&item.name))?);
    }
    let total = futures_util::stream::iter(items.iter().zip(&paths))
        .map(|(item, path)| async move {
            let written = download::download(item, path, &config.retry, events).await?;
            let _ = events.send(Event::FileDone {
                name: item.name.clone(),
            });
            Ok::<_, StorageError>(written)
        })
        .buffer_unordered(config.parallelism.max(1))
        .try_fold(0u64, |sum, n| async move { Ok(sum + n) })
        .await?;
    Ok((files, total))
}

async fn fetch_http(
    url: &url::Url,
    staging: &Staging,
    config: &Config,
    events: &UnboundedSender<Event>,
) -> Result<(u64, u64), StorageError> {
    let location = source::redact_url(url);
    let name = url
        .path_segments()
        .and_then(|mut segments| segments.next_back())
        .map(percent_decode)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| StorageError::InvalidUri {
            uri: location.clone(),
            reason: "the URL path does not end in a file name".to_owned(),
        })?;
    if name.contains('/') || fs::safe_relative(&name)?.is_none() {
        return Err(StorageError::UnsafeEntry {
            name,
            reason: "not a plain file name",
        });
    }
    let client = reqwest::Client::builder()
        .tls_certs_merge(roots::for_reqwest())
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(config.retry.idle_timeout)
        .build()
        .map_err(|e| StorageError::Configure {
            location: location.clone(),
            source: e.into(),
        })?;
    let tried = if url.password().is_some() || url.query().is_some() {
        "credentials in the URL".to_owned()
    } else {
        "anonymous".to_owned()
    };
    let item = Item {
        origin: Origin::Http {
            client,
            url: url.clone(),
        },
        location: location.clone(),
        name: name.clone(),
        tried,
        size: None,
        md5: None,
        e_tag: None,
    };
    let _ = events.send(Event::Planned {
        files: 1,
        bytes: None,
    });
    let Some(kind) = ArchiveKind::from_name(&name) else {
        let path = staging.prepare_file(Path::new(&name))?;
        let bytes = download::download(&item, &path, &config.retry, events).await?;
        let _ = events.send(Event::FileDone { name });
        return Ok((1, bytes));
    };
    let scratch = staging.scratch_file()?;
    download::download(&item, scratch.path(), &config.retry, events).await?;
    let _ = events.send(Event::Unpacking {
        archive: name.clone(),
    });
    let (archive_path, root) = (scratch.path().to_owned(), staging.root().to_owned());
    let cancel = CancelOnDrop::default();
    let cancelled = cancel.0.clone();
    let limits = config.unpack;
    let unpacked = tokio::task::spawn_blocking(move || {
        archive::unpack(kind, &archive_path, &location, &root, limits, &cancelled)
    })
    .await
    .expect("unpack task does not panic")?;
    drop(scratch);
    let _ = events.send(Event::FileDone { name });
    Ok((unpacked.files, unpacked.bytes))
}

fn percent_decode(segment: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", segment.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}
