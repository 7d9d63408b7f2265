//! `seldon-local component storage-initializer SRC DEST`: the storage-initializer role with
//! the upstream contract (two positional arguments, credentials from the environment). Builds
//! the [`storage::Config`] from flags and the environment and draws the fetch's progress.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;
use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{Context, ExitStatus};
use crate::components::storage::{self, Config, Credentials, Event, Snapshot, Source};
use crate::output::Printer;

// The help text is on `component::Component::StorageInitializer`.
#[derive(Debug, Args)]
pub(crate) struct StorageInitializerArgs {
    /// The model URI.
    #[arg(value_name = "SRC")]
    pub(crate) src: String,
    /// The model directory to fill (created if missing).
    #[arg(value_name = "DEST")]
    pub(crate) dest: PathBuf,
    /// Map a persistent volume claim to a local directory, as `CLAIM=DIR` (repeatable).
    #[arg(long, value_name = "CLAIM=DIR", value_parser = parse_pvc)]
    pub(crate) pvc: Vec<(String, PathBuf)>,
    /// The directory relative local paths in SRC are resolved against.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub(crate) base_dir: PathBuf,
    /// How many files to download at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub(crate) parallel: u16,
    /// Refuse an archive that expands to more than this many bytes.
    #[arg(long, value_name = "BYTES", env = crate::env::SELDON_LOCAL_MAX_UNPACKED_BYTES,
          default_value_t = storage::UnpackLimits::DEFAULT_MAX_BYTES)]
    pub(crate) max_unpacked_bytes: u64,
    /// Refuse an archive with more than this many entries.
    #[arg(long, value_name = "N", env = crate::env::SELDON_LOCAL_MAX_UNPACKED_ENTRIES,
          default_value_t = storage::UnpackLimits::DEFAULT_MAX_ENTRIES)]
    pub(crate) max_unpacked_entries: u64,
}

impl StorageInitializerArgs {
    /// The archive limits the flags set.
    pub(crate) fn unpack_limits(&self) -> storage::UnpackLimits {
        storage::UnpackLimits {
            max_bytes: self.max_unpacked_bytes,
            max_entries: self.max_unpacked_entries,
        }
    }
}

fn parse_pvc(value: &str) -> Result<(String, PathBuf), String> {
    match value.split_once('=') {
        Some((claim, dir)) if !claim.is_empty() && !dir.is_empty() => {
            Ok((claim.to_owned(), PathBuf::from(dir)))
        }
        _ => Err(format!("expected `CLAIM=DIR`, got `{value}`")),
    }
}

pub(crate) async fn run(
    args: &StorageInitializerArgs,
    ctx: &Context,
) -> anyhow::Result<ExitStatus> {
    let source = Source::parse(&args.src)?;
    let config = Config {
        credentials: Credentials::from_env_vars(utf8_env()),
        pvcs: args.pvc.iter().cloned().collect(),
        base_dir: args.base_dir.clone(),
        parallelism: usize::from(args.parallel),
        unpack: args.unpack_limits(),
        ..Config::default()
    };
    let mut progress = Progress::new(ctx.printer);
    let result = storage::fetch(&source, &args.dest, &config, |event| progress.on(event)).await;
    progress.bar.finish_and_clear();
    if let (Ok(_), Some((snapshot, _))) = (&result, &progress.lines) {
        ctx.printer.line(snapshot.line());
    }
    // Storage errors name what they fetched; one line, the hint follows from its type.
    let summary = result?;
    ctx.printer.status(
        "fetched",
        format!(
            "{} file(s), {}, from `{source}` into `{}`",
            summary.files,
            HumanBytes(summary.bytes),
            summary.dest.display()
        ),
    );
    Ok(ExitStatus::Success)
}

/// The environment as UTF-8 pairs; variables that are not UTF-8 cannot be credentials we
/// read, so they are skipped rather than panicking as `std::env::vars` would.
pub(crate) fn utf8_env() -> impl Iterator<Item = (String, String)> {
    std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
}

/// Draws [`Event`]s as one bar: bytes against the total when it is known, a spinner
/// otherwise, with files done in the message. Without a terminal (a container's log), it
/// prints a [`Snapshot`] line every half second instead, which `up` on Docker turns back into
/// a bar.
struct Progress {
    bar: ProgressBar,
    printer: Printer,
    files: Option<u64>,
    done: u64,
    /// For progress lines: where the fetch is, and when a line was last printed.
    lines: Option<(Snapshot, Option<Instant>)>,
}

/// How often a progress line is printed.
const LINE_EVERY: Duration = Duration::from_millis(500);

impl Progress {
    fn new(printer: Printer) -> Self {
        let bar = if printer.shows_progress() {
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(spinner_style());
        bar.enable_steady_tick(Duration::from_millis(120));
        let lines = printer
            .prints_progress_lines()
            .then(|| (Snapshot::default(), None));
        Self {
            bar,
            printer,
            files: None,
            done: 0,
            lines,
        }
    }

    fn on(&mut self, event: Event) {
        if let Some((snapshot, printed)) = &mut self.lines {
            snapshot.apply(&event);
            let due = printed.is_none_or(|at| at.elapsed() >= LINE_EVERY);
            let first = matches!(event, Event::Planned { .. });
            if due || first {
                self.printer.line(snapshot.line());
                *printed = Some(Instant::now());
            }
        }
        match event {
            Event::Planned { files, bytes } => {
                self.files = Some(files);
                if let Some(bytes) = bytes {
                    self.bar.set_length(bytes);
                    self.bar.set_style(bar_style());
                }
                self.show_files();
            }
            Event::Bytes { bytes } => self.bar.inc(bytes),
            Event::Discarded { bytes } => {
                self.bar
                    .set_position(self.bar.position().saturating_sub(bytes));
            }
            Event::FileDone { .. } => {
                self.done += 1;
                self.show_files();
            }
            Event::Retrying {
                name,
                attempt,
                delay,
                reason,
            } => {
                let printer = self.printer;
                self.bar.suspend(|| {
                    printer.warning(format!(
                        "retrying `{name}` (attempt {attempt}) in {delay:?}: {reason}"
                    ));
                });
            }
            Event::Unpacking { archive } => self.bar.set_message(format!("unpacking `{archive}`")),
        }
    }

    fn show_files(&self) {
        let message = match self.files {
            Some(files) => format!("{}/{files} files", self.done),
            None => format!("{} files", self.done),
        };
        self.bar.set_message(message);
    }
}

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
}

fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {bytes} {binary_bytes_per_sec} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}
