//! Progress as one line of text, for a storage initializer whose output is a container's log:
//! the role prints [`Snapshot::line`] every half second, the Docker runtime reads the log and
//! recognises the lines with [`Snapshot::parse`], and the CLI draws a bar from them. Plain
//! enough to read in `docker logs` (`progress: bytes=1048576 total=4194304 files=0/1`).

use super::Event;

/// What a progress line starts with.
const PREFIX: &str = "progress: ";

/// Where a fetch is: bytes and files so far, and the totals when known.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Bytes received (less any a server made us throw away).
    pub bytes: u64,
    /// All bytes, when every size is known.
    pub total: Option<u64>,
    /// Files complete.
    pub files_done: u64,
    /// All files, once known.
    pub files: Option<u64>,
}

impl Snapshot {
    /// Folds one event in.
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::Planned { files, bytes } => {
                self.files = Some(*files);
                self.total = *bytes;
            }
            Event::Bytes { bytes } => self.bytes += bytes,
            Event::Discarded { bytes } => self.bytes = self.bytes.saturating_sub(*bytes),
            Event::FileDone { .. } => self.files_done += 1,
            Event::Retrying { .. } | Event::Unpacking { .. } => {}
        }
    }

    /// The line for a log.
    #[must_use]
    pub fn line(&self) -> String {
        let unknown = || "?".to_owned();
        format!(
            "{PREFIX}bytes={} total={} files={}/{}",
            self.bytes,
            self.total.map_or_else(unknown, |t| t.to_string()),
            self.files_done,
            self.files.map_or_else(unknown, |f| f.to_string()),
        )
    }

    /// Reads a line written by [`Snapshot::line`]; any other line is `None`.
    #[must_use]
    pub fn parse(line: &str) -> Option<Self> {
        let rest = line.trim_end().strip_prefix(PREFIX)?;
        let mut snapshot = Self::default();
        let mut seen = 0;
        for field in rest.split(' ') {
            let (key, value) = field.split_once('=')?;
            let number = |v: &str| -> Option<Option<u64>> {
                if v == "?" {
                    Some(None)
                } else {
                    v.parse().ok().map(Some)
                }
            };
            match key {
                "bytes" => snapshot.bytes = number(value)??,
                "total" => snapshot.total = number(value)?,
                "files" => {
                    let (done, all) = value.split_once('/')?;
                    snapshot.files_done = number(done)??;
                    snapshot.files = number(all)?;
                }
                _ => return None,
            }
            seen += 1;
        }
        (seen == 3).then_some(snapshot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_and_other_lines_are_not_progress() {
        let mut s = Snapshot::default();
        assert_eq!(s.line(), "progress: bytes=0 total=? files=0/?");
        s.apply(&Event::Planned {
            files: 2,
            bytes: Some(300),
        });
        s.apply(&Event::Bytes { bytes: 120 });
        s.apply(&Event::FileDone { name: "a".into() });
        assert_eq!(s.line(), "progress: bytes=120 total=300 files=1/2");
        assert_eq!(Snapshot::parse(&s.line()), Some(s));
        assert_eq!(
            Snapshot::parse(&Snapshot::default().line()),
            Some(Snapshot::default())
        );
        for other in [
            "fetched 1 file(s)",
            "progress: bytes=x total=1 files=0/1",
            "progress: bytes=1",
            "error: progress: bytes=1 total=1 files=0/1",
        ] {
            assert_eq!(Snapshot::parse(other), None, "{other}");
        }
    }
}
