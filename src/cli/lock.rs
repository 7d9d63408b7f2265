//! The per-deployment lifecycle lock: `up` of a name, on either runtime, holds
//! `<state root>/_locks/<name>.lock` (an exclusive `flock`) from before it replaces anything until
//! the deployment is ready or its start failed and was cleaned up. A concurrent `up` of that name
//! waits for it (saying who holds it), then replaces what it made: one deployment of a name,
//! never two half-made ones. The lock dies with its process, so a killed `up` leaves none.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

use super::Context;

/// How often a waiting `up` tries the lock again.
const POLL: Duration = Duration::from_millis(50);

/// Held locks of deployments; released when dropped.
#[derive(Debug)]
pub(crate) struct Locks {
    _files: Vec<File>,
}

/// The lock file of deployment `name`.
fn path(name: &str) -> PathBuf {
    super::embedded::state_root()
        .join("_locks")
        .join(format!("{name}.lock"))
}

/// Locks every deployment of `names` (in sorted order, so that two `up`s of overlapping sets
/// cannot deadlock), waiting at most `timeout` for another `up` holding one.
pub(crate) fn acquire(names: &[&str], timeout: Duration, ctx: &Context) -> Result<Locks> {
    let mut sorted: Vec<&str> = names.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let deadline = Instant::now() + timeout;
    let mut held = Vec::new();
    for name in sorted {
        held.push(one(name, deadline, timeout, ctx)?);
    }
    Ok(Locks { _files: held })
}

fn one(name: &str, deadline: Instant, timeout: Duration, ctx: &Context) -> Result<File> {
    let path = path(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("failed to create `{}`", parent.display()))?;
    }
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("failed to open `{}`", path.display()))?;
    let mut said = false;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) => {
                let holder = holder(&mut file);
                if Instant::now() >= deadline {
                    bail!(
                        "another `up` of `{name}`{holder} still runs after {}s (it holds `{}`); \
                         wait for it, or stop it with Ctrl-C or `seldon-local down {name}`",
                        timeout.as_secs(),
                        path.display()
                    );
                }
                if !said {
                    ctx.printer.status(
                        "waiting",
                        format!("for another `up` of `{name}`{holder} to finish"),
                    );
                    said = true;
                }
                std::thread::sleep(POLL);
            }
            Err(TryLockError::Error(error)) => {
                return Err(error).with_context(|| format!("failed to lock `{}`", path.display()));
            }
        }
    }
    // Say who holds it, for the message of the next one waiting.
    let _ = file.set_len(0);
    let _ = file.seek(SeekFrom::Start(0));
    let _ = writeln!(file, "{}", std::process::id());
    Ok(file)
}

/// ` (pid N)` of the process holding the lock, as it wrote it.
fn holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.seek(SeekFrom::Start(0));
    let _ = file.read_to_string(&mut text);
    text.trim()
        .parse::<u32>()
        .map(|pid| format!(" (pid {pid})"))
        .unwrap_or_default()
}
