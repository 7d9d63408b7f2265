//! The destination side: safe relative paths, the staging directory that makes a fetch
//! atomic, and copying local trees.
//!
//! Everything is written under a fresh staging directory that only this module creates
//! entries in, and it never creates symlinks, so a validated relative path (only normal
//! components) cannot lead outside it.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use super::error::StorageError;

/// Prefix of staging directories; stale ones from interrupted runs are removed.
const STAGING_PREFIX: &str = ".seldon-local-partial-";

/// Checks an object key, archive entry or pvc path and turns it into a relative path of
/// normal components (`.` and empty components are dropped). `Ok(None)` means the name
/// denotes the root itself (e.g. a `./` directory entry).
pub(crate) fn safe_relative(name: &str) -> Result<Option<PathBuf>, StorageError> {
    let unsafe_entry = |reason| StorageError::UnsafeEntry {
        name: name.to_owned(),
        reason,
    };
    if name.contains('\0') {
        return Err(unsafe_entry("the name contains a NUL byte"));
    }
    if name.starts_with('/') {
        return Err(unsafe_entry("absolute paths are not allowed"));
    }
    let mut out = PathBuf::new();
    for component in Path::new(name).components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir => return Err(unsafe_entry("`..` would escape the destination")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(unsafe_entry("absolute paths are not allowed"));
            }
        }
    }
    Ok((!out.as_os_str().is_empty()).then_some(out))
}

/// A fetch in progress: files go to a hidden directory and are moved into DEST only when
/// everything has arrived and been checked. Dropping it removes the partial download.
#[derive(Debug)]
pub(crate) struct Staging {
    dir: tempfile::TempDir,
    dest: PathBuf,
    /// Whether DEST did not exist, so the staging directory (its sibling) simply becomes it.
    replaces_dest: bool,
}

impl Staging {
    /// Prepares staging for `dest`. If DEST exists (e.g. a mounted volume) staging is a hidden
    /// directory inside it; otherwise a hidden sibling that is renamed to DEST in one step.
    pub(crate) fn create(dest: &Path) -> Result<Self, StorageError> {
        // DEST itself is the caller's choice, so a symlink to a directory is followed.
        match fs::metadata(dest) {
            Ok(meta) if meta.is_dir() => {
                remove_stale_staging(dest, STAGING_PREFIX)?;
                let dir = tempfile::Builder::new()
                    .prefix(STAGING_PREFIX)
                    .tempdir_in(dest)
                    .map_err(|e| StorageError::io("create a staging directory in", dest, e))?;
                Ok(Self {
                    dir,
                    dest: dest.to_owned(),
                    replaces_dest: false,
                })
            }
            Ok(_) => Err(StorageError::io(
                "open the destination directory",
                dest,
                io::Error::new(io::ErrorKind::NotADirectory, "not a directory"),
            )),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let parent = match dest.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
                    _ => PathBuf::from("."),
                };
                fs::create_dir_all(&parent)
                    .map_err(|e| StorageError::io("create directory", &parent, e))?;
                let name = dest.file_name().map(|n| n.to_string_lossy().into_owned());
                let prefix = format!(".{}{STAGING_PREFIX}", name.unwrap_or_default());
                remove_stale_staging(&parent, &prefix)?;
                let dir = tempfile::Builder::new()
                    .prefix(&prefix)
                    .tempdir_in(&parent)
                    .map_err(|e| StorageError::io("create a staging directory in", &parent, e))?;
                Ok(Self {
                    dir,
                    dest: dest.to_owned(),
                    replaces_dest: true,
                })
            }
            Err(e) => Err(StorageError::io("inspect", dest, e)),
        }
    }

    /// The staging directory.
    pub(crate) fn root(&self) -> &Path {
        self.dir.path()
    }

    /// A scratch file beside the staging directory (e.g. an archive before unpacking); it is
    /// removed when dropped.
    pub(crate) fn scratch_file(&self) -> Result<tempfile::NamedTempFile, StorageError> {
        // Named like the staging directory so that a killed run's leftovers are cleaned too.
        let parent = self.dir.path().parent().unwrap_or(Path::new("."));
        let staging_name = self
            .dir
            .path()
            .file_name()
            .unwrap_or_default()
            .to_string_lossy();
        let prefix = staging_name.trim_end_matches(|c: char| c != '-');
        tempfile::Builder::new()
            .prefix(&format!("{prefix}download-"))
            .tempfile_in(parent)
            .map_err(|e| StorageError::io("create a temporary file in", parent, e))
    }

    /// Creates `rel`'s parent directories under staging and returns the file's full path.
    pub(crate) fn prepare_file(&self, rel: &Path) -> Result<PathBuf, StorageError> {
        let path = self.dir.path().join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| StorageError::io("create directory", parent, e))?;
        }
        Ok(path)
    }

    /// Moves everything into DEST.
    pub(crate) fn commit(self) -> Result<(), StorageError> {
        if self.replaces_dest {
            let path = self.dir.keep();
            return fs::rename(&path, &self.dest).map_err(|e| {
                let _ = fs::remove_dir_all(&path);
                StorageError::io("move the download into", &self.dest, e)
            });
        }
        merge_into(self.dir.path(), &self.dest)
    }
}

/// Moves the children of `from` into `to`, merging directories and replacing files (a
/// symlink already in DEST is replaced, never followed).
fn merge_into(from: &Path, to: &Path) -> Result<(), StorageError> {
    for entry in fs::read_dir(from).map_err(|e| StorageError::io("read directory", from, e))? {
        let entry = entry.map_err(|e| StorageError::io("read directory", from, e))?;
        let source = entry.path();
        let target = to.join(entry.file_name());
        let source_is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        let existing = fs::symlink_metadata(&target).ok().map(|m| m.file_type());
        let cleared = match existing {
            Some(kind) if kind.is_dir() && source_is_dir => {
                merge_into(&source, &target)?;
                continue;
            }
            Some(kind) if kind.is_dir() => fs::remove_dir_all(&target),
            // A directory cannot be renamed over a file or symlink; a file can (atomically).
            Some(_) if source_is_dir => fs::remove_file(&target),
            _ => Ok(()),
        };
        cleared
            .and_then(|()| fs::rename(&source, &target))
            .map_err(|e| StorageError::io("move into place", &target, e))?;
    }
    Ok(())
}

/// Removes what an interrupted (killed) earlier run left in `dir`: entries named `prefix…`.
fn remove_stale_staging(dir: &Path, prefix: &str) -> Result<(), StorageError> {
    for entry in fs::read_dir(dir).map_err(|e| StorageError::io("read directory", dir, e))? {
        let entry = entry.map_err(|e| StorageError::io("read directory", dir, e))?;
        if entry.file_name().to_string_lossy().starts_with(prefix) {
            let path = entry.path();
            let removed = if entry.file_type().is_ok_and(|t| t.is_dir()) {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
            removed.map_err(|e| StorageError::io("remove stale partial download", &path, e))?;
        }
    }
    Ok(())
}

/// Totals of a local copy.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Copied {
    pub(crate) files: u64,
    pub(crate) bytes: u64,
}

/// Copies a local file (into `into/<name>`) or directory tree (its contents into `into`).
/// Symlinks in the source are followed for reading (they cannot make us write elsewhere);
/// directory cycles, devices, FIFOs and sockets are refused. `on_file` gets each file's
/// relative name and size. Stops with [`StorageError::Cancelled`] once `cancelled` is set.
pub(crate) fn copy_local(
    src: &Path,
    into: &Path,
    cancelled: &AtomicBool,
    on_file: &mut dyn FnMut(&Path, u64),
) -> Result<Copied, StorageError> {
    let meta = fs::metadata(src).map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            StorageError::NotFound {
                location: src.display().to_string(),
                cause: None,
            }
        } else {
            StorageError::io("read", src, e)
        }
    })?;
    let mut copier = Copier {
        into,
        cancelled,
        on_file,
        ancestors: HashSet::new(),
        copied: Copied::default(),
    };
    if meta.is_dir() {
        copier.dir(src, Path::new(""))?;
        if copier.copied.files == 0 {
            return Err(StorageError::EmptyPrefix {
                location: src.display().to_string(),
            });
        }
    } else {
        let name = src
            .file_name()
            .map_or_else(|| PathBuf::from("model"), PathBuf::from);
        copier.file(src, &meta, &name)?;
    }
    Ok(copier.copied)
}

struct Copier<'a> {
    into: &'a Path,
    cancelled: &'a AtomicBool,
    on_file: &'a mut dyn FnMut(&Path, u64),
    /// Directories on the current path, by (device, inode), to detect symlink cycles.
    ancestors: HashSet<(u64, u64)>,
    copied: Copied,
}

impl Copier<'_> {
    fn check_cancelled(&self) -> Result<(), StorageError> {
        if self.cancelled.load(Ordering::Relaxed) {
            return Err(StorageError::Cancelled);
        }
        Ok(())
    }

    fn dir(&mut self, dir: &Path, rel: &Path) -> Result<(), StorageError> {
        self.check_cancelled()?;
        let meta = fs::metadata(dir).map_err(|e| StorageError::io("read", dir, e))?;
        let id = (meta.dev(), meta.ino());
        if !self.ancestors.insert(id) {
            return Err(StorageError::UnsafeEntry {
                name: rel.display().to_string(),
                reason: "a symbolic link makes a directory cycle",
            });
        }
        let target = self.into.join(rel);
        fs::create_dir_all(&target)
            .map_err(|e| StorageError::io("create directory", &target, e))?;
        let mut entries = fs::read_dir(dir)
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .map_err(|e| StorageError::io("read directory", dir, e))?;
        entries.sort_by_key(fs::DirEntry::file_name);
        for entry in entries {
            let path = entry.path();
            let child = rel.join(entry.file_name());
            let meta = fs::metadata(&path).map_err(|e| StorageError::io("read", &path, e))?;
            if meta.is_dir() {
                self.dir(&path, &child)?;
            } else {
                self.file(&path, &meta, &child)?;
            }
        }
        self.ancestors.remove(&id);
        Ok(())
    }

    fn file(&mut self, src: &Path, meta: &fs::Metadata, rel: &Path) -> Result<(), StorageError> {
        self.check_cancelled()?;
        let kind = meta.file_type();
        if !kind.is_file() {
            let reason = if kind.is_block_device() || kind.is_char_device() {
                "device files are not allowed"
            } else {
                "only regular files and directories are copied"
            };
            return Err(StorageError::UnsafeEntry {
                name: rel.display().to_string(),
                reason,
            });
        }
        let target = self.into.join(rel);
        let bytes = fs::copy(src, &target).map_err(|e| StorageError::io("copy to", &target, e))?;
        self.copied.files += 1;
        self.copied.bytes += bytes;
        (self.on_file)(rel, bytes);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_names_are_checked() {
        let ok = |name: &str| {
            safe_relative(name)
                .unwrap()
                .map(|p| p.display().to_string())
        };
        assert_eq!(ok("a/b.txt").as_deref(), Some("a/b.txt"));
        assert_eq!(ok("./a//b").as_deref(), Some("a/b"));
        assert_eq!(ok("./"), None);
        for bad in ["../x", "a/../../x", "/etc/passwd", "a/..", "x\0y"] {
            let err = safe_relative(bad).unwrap_err();
            assert!(err.to_string().contains(bad.trim_end_matches('\0')) || bad.contains('\0'));
            assert!(matches!(err, StorageError::UnsafeEntry { .. }), "{bad}");
        }
    }

    #[test]
    fn staging_into_a_missing_dest_is_renamed_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("models");
        // Leftovers of a killed run: a staging directory and a scratch file.
        fs::create_dir(tmp.path().join(format!(".models{STAGING_PREFIX}old"))).unwrap();
        fs::write(
            tmp.path()
                .join(format!(".models{STAGING_PREFIX}download-old")),
            "",
        )
        .unwrap();
        let staging = Staging::create(&dest).unwrap();
        let scratch = staging.scratch_file().unwrap();
        let scratch_name = scratch
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(scratch_name.starts_with(&format!(".models{STAGING_PREFIX}download-")));
        drop(scratch);
        fs::write(staging.prepare_file(Path::new("a/b.txt")).unwrap(), "x").unwrap();
        assert!(!dest.exists(), "nothing appears in DEST before commit");
        staging.commit().unwrap();
        assert_eq!(fs::read_to_string(dest.join("a/b.txt")).unwrap(), "x");
        assert_eq!(
            fs::read_dir(tmp.path()).unwrap().count(),
            1,
            "no staging left behind"
        );
    }

    #[test]
    fn staging_into_an_existing_dest_merges_and_dropping_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path();
        fs::create_dir_all(dest.join("a")).unwrap();
        fs::write(dest.join("a/old.txt"), "old").unwrap();
        fs::create_dir(dest.join(format!("{STAGING_PREFIX}stale"))).unwrap();

        let staging = Staging::create(dest).unwrap();
        fs::write(staging.prepare_file(Path::new("a/new.txt")).unwrap(), "new").unwrap();
        drop(staging);
        let names: Vec<_> = fs::read_dir(dest)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["a"], "dropped staging and the stale one are gone");

        let staging = Staging::create(dest).unwrap();
        fs::write(staging.prepare_file(Path::new("a/new.txt")).unwrap(), "new").unwrap();
        staging.commit().unwrap();
        assert_eq!(fs::read_to_string(dest.join("a/old.txt")).unwrap(), "old");
        assert_eq!(fs::read_to_string(dest.join("a/new.txt")).unwrap(), "new");
        assert_eq!(fs::read_dir(dest).unwrap().count(), 1);
    }

    #[test]
    fn a_cancelled_local_copy_stops_without_writing() {
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir_all(tmp.path().join("src/a")).unwrap();
        fs::write(tmp.path().join("src/a/f"), "x").unwrap();
        let into = tmp.path().join("into");
        let cancelled = AtomicBool::new(true);
        let result = copy_local(&tmp.path().join("src"), &into, &cancelled, &mut |_, _| {});
        assert!(matches!(result, Err(StorageError::Cancelled)), "{result:?}");
        assert!(!into.exists());
        let copied = copy_local(
            &tmp.path().join("src"),
            &into,
            &AtomicBool::new(false),
            &mut |_, _| {},
        );
        assert_eq!(copied.unwrap().files, 1);
    }

    #[test]
    fn dest_may_be_a_symlink_to_a_directory_but_not_a_file() {
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir(tmp.path().join("real")).unwrap();
        std::os::unix::fs::symlink(tmp.path().join("real"), tmp.path().join("link")).unwrap();
        let staging = Staging::create(&tmp.path().join("link")).unwrap();
        fs::write(staging.prepare_file(Path::new("m.bin")).unwrap(), "x").unwrap();
        staging.commit().unwrap();
        assert_eq!(
            fs::read_to_string(tmp.path().join("real/m.bin")).unwrap(),
            "x"
        );

        fs::write(tmp.path().join("file"), "").unwrap();
        let err = Staging::create(&tmp.path().join("file")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("failed to open the destination directory")
        );
    }

    #[test]
    fn commit_replaces_a_symlink_in_dest_instead_of_following_it() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tmp.path().join("outside");
        let dest = tmp.path().join("dest");
        fs::create_dir_all(&outside).unwrap();
        fs::create_dir_all(&dest).unwrap();
        std::os::unix::fs::symlink(&outside, dest.join("a")).unwrap();
        let staging = Staging::create(&dest).unwrap();
        fs::write(staging.prepare_file(Path::new("a/f.txt")).unwrap(), "x").unwrap();
        staging.commit().unwrap();
        assert_eq!(
            fs::read_dir(&outside).unwrap().count(),
            0,
            "nothing written through it"
        );
        assert!(dest.join("a").is_dir() && !dest.join("a").is_symlink());
    }
}
