//! seldon-local's own image, made from the running binary with no registry and no builder:
//! a root filesystem tar imported with `POST /images/create?fromSrc=-` (`docker import`).
//!
//! The tar holds the binary at `/seldon-local` and, when the binary is dynamically linked, its
//! ELF interpreter and every shared library it has mapped (read from `/proc/self/maps`), at the
//! same paths. A static build (`-C target-feature=+crt-static`, the release recommendation)
//! needs nothing else; a debug or test build works without a second, static compile. Libraries
//! loaded later with `dlopen` are not seen; seldon-local loads none (rustls, no NSS modules:
//! glibc ≥ 2.34 has the `files` and `dns` backends built in).

use std::fs;
use std::path::{Path, PathBuf};

use std::time::UNIX_EPOCH;

use super::labels;
use super::spec::{self, BINARY_PATH, IMAGE_REPOSITORY};
use crate::runtime::RuntimeError;

/// The tag of seldon-local's image for this version.
#[must_use]
pub fn builtin_tag() -> String {
    format!("{IMAGE_REPOSITORY}:{}", env!("CARGO_PKG_VERSION"))
}

/// A root filesystem ready for import.
#[derive(Debug)]
pub struct Rootfs {
    /// The tar.
    pub tar: Vec<u8>,
    /// The binary's fingerprint, recorded as a label so a stale image is rebuilt.
    pub fingerprint: String,
    /// The files packed besides the binary.
    pub libraries: Vec<PathBuf>,
}

impl Rootfs {
    /// Dockerfile-style changes for the import.
    #[must_use]
    pub fn changes(&self) -> Vec<String> {
        vec![
            format!(r#"ENTRYPOINT ["{BINARY_PATH}"]"#),
            format!("LABEL {}={}", labels::MANAGED_BY, labels::MANAGER),
            format!("LABEL {}={}", labels::BINARY, self.fingerprint),
        ]
    }
}

fn read(path: &Path) -> Result<Vec<u8>, RuntimeError> {
    fs::read(path).map_err(|source| RuntimeError::PackageImage {
        path: path.to_path_buf(),
        source,
    })
}

/// A cheap fingerprint of a binary: its size and modification time. Hashing a 100 MB debug
/// binary on every `up` would cost seconds; a rebuilt binary always gets a new mtime.
pub fn fingerprint(path: &Path) -> Result<String, RuntimeError> {
    let meta = fs::metadata(path).map_err(|source| RuntimeError::PackageImage {
        path: path.to_path_buf(),
        source,
    })?;
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    Ok(format!("{}-{mtime}", meta.len()))
}

/// Packs the running binary `exe` (and what it links) into a root filesystem tar.
pub fn rootfs(exe: &Path) -> Result<Rootfs, RuntimeError> {
    let binary = read(exe)?;
    let fingerprint = fingerprint(exe)?;
    let mut libraries: Vec<PathBuf> = Vec::new();
    if let Some(interpreter) = elf_interpreter(&binary) {
        libraries.push(PathBuf::from(interpreter));
        let maps = fs::read_to_string("/proc/self/maps").unwrap_or_default();
        for library in mapped_libraries(&maps) {
            if !libraries.contains(&library) {
                libraries.push(library);
            }
        }
    }
    let mut builder = tar::Builder::new(Vec::new());
    spec::append_file(
        &mut builder,
        BINARY_PATH.trim_start_matches('/'),
        &binary,
        0o755,
    );
    spec::append_dir(&mut builder, "tmp", 0o1777);
    let mut dirs: Vec<String> = Vec::new();
    for library in &libraries {
        let relative = library.to_string_lossy().trim_start_matches('/').to_owned();
        let mut parent = String::new();
        for part in Path::new(&relative)
            .parent()
            .into_iter()
            .flat_map(Path::components)
        {
            if !parent.is_empty() {
                parent.push('/');
            }
            parent.push_str(&part.as_os_str().to_string_lossy());
            if !dirs.contains(&parent) {
                spec::append_dir(&mut builder, &parent, 0o755);
                dirs.push(parent.clone());
            }
        }
        // Follow symlinks (the interpreter path usually is one) and pack the content.
        let content = read(library)?;
        spec::append_file(&mut builder, &relative, &content, 0o755);
    }
    Ok(Rootfs {
        tar: builder.into_inner().unwrap_or_default(),
        fingerprint,
        libraries,
    })
}

/// The ELF interpreter (`PT_INTERP`) of a 64-bit little-endian ELF, if it is dynamic.
#[must_use]
pub fn elf_interpreter(elf: &[u8]) -> Option<String> {
    const PT_INTERP: u32 = 3;
    if elf.get(..5)? != b"\x7fELF\x02" || elf.get(5) != Some(&1) {
        return None;
    }
    let u16_at = |at: usize| Some(u16::from_le_bytes(elf.get(at..at + 2)?.try_into().ok()?));
    let u32_at = |at: usize| Some(u32::from_le_bytes(elf.get(at..at + 4)?.try_into().ok()?));
    let u64_at =
        |at: usize| usize::try_from(u64::from_le_bytes(elf.get(at..at + 8)?.try_into().ok()?)).ok();
    let phoff = u64_at(0x20)?;
    let phentsize = usize::from(u16_at(0x36)?);
    let phnum = usize::from(u16_at(0x38)?);
    for i in 0..phnum {
        let header = phoff + i * phentsize;
        if u32_at(header)? == PT_INTERP {
            let offset = u64_at(header + 8)?;
            let size = u64_at(header + 32)?;
            let raw = elf.get(offset..offset + size)?;
            let raw = raw.split(|b| *b == 0).next()?;
            return String::from_utf8(raw.to_vec()).ok();
        }
    }
    None
}

/// Shared objects in a `/proc/<pid>/maps` text.
#[must_use]
#[allow(clippy::case_sensitive_file_extension_comparisons)] // sonames are lowercase by convention
pub fn mapped_libraries(maps: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    for line in maps.lines() {
        let Some(path) = line.split_whitespace().nth(5) else {
            continue;
        };
        let file = Path::new(path);
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.starts_with('/') && (name.ends_with(".so") || name.contains(".so.")) {
            let file = file.to_path_buf();
            if !out.contains(&file) {
                out.push(file);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_objects_are_read_from_maps() {
        let maps = "\
5581 r--p 0 08:01 1 /usr/local/bin/seldon-local
7f00 r--p 0 08:01 2 /usr/lib/x86_64-linux-gnu/libc.so.6
7f01 r-xp 0 08:01 2 /usr/lib/x86_64-linux-gnu/libc.so.6
7f02 rw-p 0 00:00 0
7f03 r--p 0 08:01 3 /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
7ffd rw-p 0 00:00 0 [stack]
";
        assert_eq!(
            mapped_libraries(maps),
            vec![
                PathBuf::from("/usr/lib/x86_64-linux-gnu/libc.so.6"),
                PathBuf::from("/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
            ]
        );
    }

    #[test]
    fn the_running_test_binary_has_an_interpreter_or_is_static() {
        let exe = std::env::current_exe().unwrap();
        let bytes = fs::read(exe).unwrap();
        if let Some(interpreter) = elf_interpreter(&bytes) {
            assert!(interpreter.starts_with('/'), "{interpreter}");
            assert!(interpreter.contains("ld-"), "{interpreter}");
        }
        assert_eq!(elf_interpreter(b"not an elf"), None);
    }
}
