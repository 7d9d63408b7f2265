//! Unpacking `.tar`, `.tar.gz`/`.tgz` and `.zip` archives into staging, entry by entry.
//! Only regular files and directories with safe relative names are written; anything else
//! (`..`, absolute names, symlinks, hard links, devices, FIFOs) fails with the entry's name.

use std::fs::{self, File};
use std::io::{self, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use super::config::UnpackLimits;
use super::error::StorageError;
use super::fs::safe_relative;

/// Archive formats recognised by file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArchiveKind {
    Tar,
    TarGz,
    Zip,
}

impl ArchiveKind {
    /// The format implied by a file name, if it names an archive.
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        let name = name.to_ascii_lowercase();
        let has = |suffix: &str| name.ends_with(suffix);
        if has(".tar.gz") || has(".tgz") {
            Some(Self::TarGz)
        } else if has(".tar") {
            Some(Self::Tar)
        } else if has(".zip") {
            Some(Self::Zip)
        } else {
            None
        }
    }
}

/// What was unpacked.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unpacked {
    pub(crate) files: u64,
    pub(crate) bytes: u64,
}

/// Unpacks `archive` (shown as `label`) into `root`, the staging directory.
pub(crate) fn unpack(
    kind: ArchiveKind,
    archive: &Path,
    label: &str,
    root: &Path,
    limits: UnpackLimits,
    cancelled: &AtomicBool,
) -> Result<Unpacked, StorageError> {
    let mut budget = Budget {
        limits,
        label,
        unpacked: Unpacked::default(),
    };
    let file = File::open(archive).map_err(|e| StorageError::io("open", archive, e))?;
    let unpacked = match kind {
        ArchiveKind::Tar => unpack_tar(BufReader::new(file), root, &mut budget, cancelled)?,
        ArchiveKind::TarGz => unpack_tar(
            flate2::read::MultiGzDecoder::new(BufReader::new(file)),
            root,
            &mut budget,
            cancelled,
        )?,
        ArchiveKind::Zip => unpack_zip(file, root, &mut budget, cancelled)?,
    };
    if unpacked.files == 0 {
        return Err(StorageError::EmptyPrefix {
            location: label.to_owned(),
        });
    }
    Ok(unpacked)
}

/// What has been unpacked so far, against the limits.
struct Budget<'a> {
    limits: UnpackLimits,
    label: &'a str,
    unpacked: Unpacked,
}

impl Budget<'_> {
    fn exceeded(&self, what: &'static str, limit: u64) -> StorageError {
        StorageError::UnpackLimit {
            archive: self.label.to_owned(),
            what,
            limit,
        }
    }

    /// Counts one more entry, file or directory.
    fn entry(&mut self, entries: &mut u64) -> Result<(), StorageError> {
        *entries += 1;
        if *entries > self.limits.max_entries {
            return Err(self.exceeded("entries", self.limits.max_entries));
        }
        Ok(())
    }
}

fn prepare_file(root: &Path, rel: &Path) -> Result<std::path::PathBuf, StorageError> {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| StorageError::io("create directory", parent, e))?;
    }
    Ok(path)
}

fn check_cancelled(cancelled: &AtomicBool) -> Result<(), StorageError> {
    if cancelled.load(Ordering::Relaxed) {
        return Err(StorageError::Cancelled);
    }
    Ok(())
}

fn unpack_error(label: &str, source: impl Into<super::error::BoxError>) -> StorageError {
    StorageError::Unpack {
        archive: label.to_owned(),
        source: source.into(),
    }
}

fn unsafe_entry(name: String, reason: &'static str) -> StorageError {
    StorageError::UnsafeEntry { name, reason }
}

fn unpack_tar(
    reader: impl Read,
    root: &Path,
    budget: &mut Budget<'_>,
    cancelled: &AtomicBool,
) -> Result<Unpacked, StorageError> {
    use tar::EntryType;
    let label = budget.label;
    let mut archive = tar::Archive::new(reader);
    let mut entries = 0;
    for entry in archive.entries().map_err(|e| unpack_error(label, e))? {
        check_cancelled(cancelled)?;
        budget.entry(&mut entries)?;
        let mut entry = entry.map_err(|e| unpack_error(label, e))?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let kind = entry.header().entry_type();
        let reason = match kind {
            EntryType::Regular | EntryType::Continuous | EntryType::Directory => None,
            // Metadata records that the tar crate does not fold into the next entry.
            EntryType::XGlobalHeader | EntryType::XHeader => continue,
            EntryType::Symlink => Some("symbolic links are not allowed"),
            EntryType::Link => Some("hard links are not allowed"),
            EntryType::Char | EntryType::Block => Some("device files are not allowed"),
            EntryType::Fifo => Some("FIFOs are not allowed"),
            _ => Some("unsupported entry type"),
        };
        if let Some(reason) = reason {
            return Err(unsafe_entry(name, reason));
        }
        let Some(rel) = safe_relative(&name)? else {
            continue;
        };
        if kind == EntryType::Directory {
            let dir = root.join(&rel);
            fs::create_dir_all(&dir).map_err(|e| StorageError::io("create directory", &dir, e))?;
            continue;
        }
        let path = prepare_file(root, &rel)?;
        let mut out = File::create(&path).map_err(|e| StorageError::io("create", &path, e))?;
        copy(&mut entry, &mut out, &path, budget)?;
        budget.unpacked.files += 1;
    }
    Ok(budget.unpacked)
}

fn unpack_zip(
    file: File,
    root: &Path,
    budget: &mut Budget<'_>,
    cancelled: &AtomicBool,
) -> Result<Unpacked, StorageError> {
    const S_IFMT: u32 = 0o170_000;
    const S_IFREG: u32 = 0o100_000;
    const S_IFDIR: u32 = 0o040_000;
    const S_IFLNK: u32 = 0o120_000;
    let label = budget.label;
    let mut archive = zip::ZipArchive::new(file).map_err(|e| unpack_error(label, e))?;
    let mut entries = 0;
    for index in 0..archive.len() {
        check_cancelled(cancelled)?;
        budget.entry(&mut entries)?;
        let mut entry = archive
            .by_index(index)
            .map_err(|e| unpack_error(label, e))?;
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        match entry.unix_mode().map(|mode| mode & S_IFMT) {
            None | Some(0 | S_IFREG | S_IFDIR) => {}
            Some(S_IFLNK) => return Err(unsafe_entry(name, "symbolic links are not allowed")),
            Some(_) => return Err(unsafe_entry(name, "only regular files and directories")),
        }
        let Some(rel) = safe_relative(&name)? else {
            continue;
        };
        if entry.is_dir() {
            let dir = root.join(&rel);
            fs::create_dir_all(&dir).map_err(|e| StorageError::io("create directory", &dir, e))?;
            continue;
        }
        let path = prepare_file(root, &rel)?;
        let mut out = File::create(&path).map_err(|e| StorageError::io("create", &path, e))?;
        copy(&mut entry, &mut out, &path, budget)?;
        budget.unpacked.files += 1;
    }
    Ok(budget.unpacked)
}

/// Copies one entry, telling write failures (ours: disk full, permissions) from read
/// failures (the archive's: truncated, corrupt), and stopping at the byte limit before writing
/// past it.
fn copy(
    from: &mut impl Read,
    to: &mut File,
    path: &Path,
    budget: &mut Budget<'_>,
) -> Result<(), StorageError> {
    use std::io::Write;
    let mut buf = vec![0; 64 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(unpack_error(budget.label, e)),
        };
        let total = budget.unpacked.bytes + n as u64;
        if total > budget.limits.max_bytes {
            return Err(budget.exceeded("bytes", budget.limits.max_bytes));
        }
        to.write_all(&buf[..n])
            .map_err(|e| StorageError::io("write", path, e))?;
        budget.unpacked.bytes = total;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A tar with one regular file and then `entry`, written header by header so that
    /// hostile names and types survive (the `tar` builder refuses some of them).
    fn tar_with(name: &str, kind: tar::EntryType, link: Option<&str>) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        let mut ok = tar::Header::new_gnu();
        ok.set_size(2);
        ok.set_mode(0o644);
        ok.set_entry_type(tar::EntryType::Regular);
        ok.set_path("ok.txt").unwrap();
        ok.set_cksum();
        builder.append(&ok, &b"ok"[..]).unwrap();

        let mut header = tar::Header::new_old();
        let bytes = name.as_bytes();
        header.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
        header.set_entry_type(kind);
        header.set_mode(0o644);
        if let Some(link) = link {
            let bytes = link.as_bytes();
            header.as_old_mut().linkname[..bytes.len()].copy_from_slice(bytes);
        }
        let body: &[u8] = if kind == tar::EntryType::Regular {
            b"evil"
        } else {
            b""
        };
        header.set_size(body.len() as u64);
        header.set_cksum();
        builder.append(&header, body).unwrap();
        builder.into_inner().unwrap()
    }

    fn run(kind: ArchiveKind, bytes: &[u8]) -> (tempfile::TempDir, Result<Unpacked, StorageError>) {
        run_limited(kind, bytes, UnpackLimits::default())
    }

    fn run_limited(
        kind: ArchiveKind,
        bytes: &[u8],
        limits: UnpackLimits,
    ) -> (tempfile::TempDir, Result<Unpacked, StorageError>) {
        let tmp = tempfile::tempdir().unwrap();
        let archive = tmp.path().join("archive");
        fs::write(&archive, bytes).unwrap();
        let dest = tmp.path().join("sandbox/dest");
        let staging = super::super::fs::Staging::create(&dest).unwrap();
        let result = unpack(
            kind,
            &archive,
            "archive",
            staging.root(),
            limits,
            &AtomicBool::new(false),
        );
        if result.is_ok() {
            staging.commit().unwrap();
        }
        (tmp, result)
    }

    /// Every path under `root`, relative, sorted.
    fn tree(root: &Path) -> Vec<String> {
        fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
            for entry in fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                out.push(path.strip_prefix(root).unwrap().display().to_string());
                if path.is_dir() && !path.is_symlink() {
                    walk(root, &path, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(root, root, &mut out);
        out.sort();
        out
    }

    #[test]
    fn hostile_tar_entries_are_refused_and_nothing_is_written() {
        use tar::EntryType::{Block, Char, Fifo, Link, Regular, Symlink};
        let cases = [
            ("../evil.txt", Regular, None, "`..`"),
            ("../../sandbox/evil.txt", Regular, None, "`..`"),
            ("/tmp/evil.txt", Regular, None, "absolute"),
            ("link", Symlink, Some("/etc/passwd"), "symbolic links"),
            ("hard", Link, Some("../../outside"), "hard links"),
            ("dev", Char, None, "device"),
            ("blk", Block, None, "device"),
            ("fifo", Fifo, None, "FIFOs"),
        ];
        for (name, kind, link, reason) in cases {
            let (tmp, result) = run(ArchiveKind::Tar, &tar_with(name, kind, link));
            let err = result.unwrap_err();
            let text = err.to_string();
            assert!(
                text.contains(&format!("`{name}`")) && text.contains(reason),
                "{text}"
            );
            assert_eq!(tree(tmp.path()), ["archive", "sandbox"], "{name}: {text}");
        }
    }

    #[test]
    fn hostile_zip_entries_are_refused_and_nothing_is_written() {
        let cases = [
            ("../evil.txt", None, "`..`"),
            ("/abs/evil.txt", None, "absolute"),
            ("link", Some("/etc/passwd"), "symbolic links"),
        ];
        for (name, symlink_target, reason) in cases {
            let mut writer = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
            let options = zip::write::SimpleFileOptions::default();
            writer.start_file("ok.txt", options).unwrap();
            writer.write_all(b"ok").unwrap();
            if let Some(target) = symlink_target {
                writer.add_symlink(name, target, options).unwrap();
            } else {
                writer.start_file(name, options).unwrap();
                writer.write_all(b"evil").unwrap();
            }
            let bytes = writer.finish().unwrap().into_inner();
            let (tmp, result) = run(ArchiveKind::Zip, &bytes);
            let text = result.unwrap_err().to_string();
            assert!(
                text.contains(&format!("`{name}`")) && text.contains(reason),
                "{text}"
            );
            assert_eq!(tree(tmp.path()), ["archive", "sandbox"], "{name}: {text}");
        }
    }

    #[test]
    fn tar_gz_and_zip_unpack_into_dest() {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        let mut header = tar::Header::new_gnu();
        header.set_size(5);
        header.set_mode(0o644);
        builder
            .append_data(&mut header, "./model/saved_model.pb", &b"hello"[..])
            .unwrap();
        let bytes = builder.into_inner().unwrap().finish().unwrap();
        let (tmp, result) = run(ArchiveKind::TarGz, &bytes);
        assert_eq!(result.unwrap(), Unpacked { files: 1, bytes: 5 });
        let dest = tmp.path().join("sandbox/dest");
        assert_eq!(
            fs::read_to_string(dest.join("model/saved_model.pb")).unwrap(),
            "hello"
        );

        let mut writer = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
        writer
            .add_directory("m/", zip::write::SimpleFileOptions::default())
            .unwrap();
        writer
            .start_file("m/w.bin", zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(b"abc").unwrap();
        let (tmp, result) = run(ArchiveKind::Zip, &writer.finish().unwrap().into_inner());
        assert_eq!(result.unwrap(), Unpacked { files: 1, bytes: 3 });
        assert_eq!(tree(&tmp.path().join("sandbox/dest")), ["m", "m/w.bin"]);
    }

    #[test]
    fn an_empty_or_corrupt_archive_fails() {
        let (_tmp, result) = run(
            ArchiveKind::Tar,
            &tar::Builder::new(Vec::new()).into_inner().unwrap(),
        );
        assert!(
            matches!(result, Err(StorageError::EmptyPrefix { .. })),
            "{result:?}"
        );
        let (_tmp, result) = run(ArchiveKind::TarGz, b"not gzip at all");
        assert!(
            matches!(result, Err(StorageError::Unpack { .. })),
            "{result:?}"
        );
    }

    #[test]
    fn a_decompression_bomb_stops_at_the_byte_limit_before_writing_past_it() {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::best(),
        ));
        let zeros = vec![0u8; 8 << 20];
        let mut header = tar::Header::new_gnu();
        header.set_size(zeros.len() as u64);
        header.set_mode(0o644);
        builder
            .append_data(&mut header, "bomb.bin", &zeros[..])
            .unwrap();
        let bytes = builder.into_inner().unwrap().finish().unwrap();
        assert!(bytes.len() < 64 << 10, "{} bytes", bytes.len());
        let limits = UnpackLimits {
            max_bytes: 1 << 20,
            ..UnpackLimits::default()
        };
        let (_tmp, result) = run_limited(ArchiveKind::TarGz, &bytes, limits);
        let error = result.unwrap_err();
        assert_eq!(
            error.to_string(),
            "archive `archive` expands to more than 1048576 bytes; raise `--max-unpacked-bytes` if that is expected"
        );
    }

    #[test]
    fn an_archive_with_too_many_entries_is_refused() {
        let mut writer = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
        for i in 0..5 {
            writer
                .start_file(format!("f{i}"), zip::write::SimpleFileOptions::default())
                .unwrap();
        }
        let bytes = writer.finish().unwrap().into_inner();
        let limits = UnpackLimits {
            max_entries: 3,
            ..UnpackLimits::default()
        };
        let (_tmp, result) = run_limited(ArchiveKind::Zip, &bytes, limits);
        assert!(
            matches!(
                result,
                Err(StorageError::UnpackLimit {
                    what: "entries",
                    limit: 3,
                    ..
                })
            ),
            "{result:?}"
        );
    }

    #[test]
    fn archive_kinds_come_from_names() {
        assert_eq!(ArchiveKind::from_name("m.tar.gz"), Some(ArchiveKind::TarGz));
        assert_eq!(ArchiveKind::from_name("M.TGZ"), Some(ArchiveKind::TarGz));
        assert_eq!(ArchiveKind::from_name("m.tar"), Some(ArchiveKind::Tar));
        assert_eq!(ArchiveKind::from_name("m.zip"), Some(ArchiveKind::Zip));
        assert_eq!(ArchiveKind::from_name("model.joblib"), None);
    }
}
