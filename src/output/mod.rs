//! The terminal: the only module that prints. stdout carries data (rendered objects,
//! prediction responses, tables); warnings, progress and errors go to stderr.
//!
//! It knows nothing of the domain: it renders `Display` values, error chains and diagnostics.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod diagnostics;
mod json;
mod progress;

pub use diagnostics::render_error;
pub use json::colour as colour_json;
pub use progress::{DownloadBars, LayerBars, init_prefix, log_prefix};

use std::fmt::Display;
use std::io::{IsTerminal, Write};

use console::style;

/// A rate as people read it: `2,120.1/s`.
#[must_use]
pub fn rate(per_second: f64) -> String {
    let text = format!("{per_second:.1}");
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, "0"));
    let digits: Vec<char> = whole.chars().collect();
    let mut grouped = String::new();
    for (i, digit) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) && *digit != '-' && digits[i - 1] != '-' {
            grouped.push(',');
        }
        grouped.push(*digit);
    }
    format!("{grouped}.{fraction}/s")
}

/// How much to say on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Verbosity {
    /// Errors only.
    Quiet,
    /// Errors, warnings and progress.
    #[default]
    Normal,
    /// Also notes and debug detail.
    Verbose,
}

/// Writes data to stdout and everything else to stderr, honouring `--quiet` and colours.
#[derive(Debug, Clone, Copy, Default)]
pub struct Printer {
    verbosity: Verbosity,
    progress: bool,
    /// Progress is wanted but stderr is no terminal (a log): lines instead of bars.
    progress_lines: bool,
}

impl Printer {
    /// A printer; `progress` is whether progress bars may be drawn at all.
    #[must_use]
    pub fn new(verbosity: Verbosity, progress: bool) -> Self {
        let terminal = std::io::stderr().is_terminal();
        Self {
            verbosity,
            progress: progress && terminal,
            progress_lines: progress && !terminal,
        }
    }

    /// The verbosity in force.
    #[must_use]
    pub fn verbosity(&self) -> Verbosity {
        self.verbosity
    }

    /// Whether progress should be printed as lines (not disabled, not quiet, but stderr is no
    /// terminal: a container's log).
    #[must_use]
    pub fn prints_progress_lines(&self) -> bool {
        self.progress_lines && self.verbosity != Verbosity::Quiet
    }

    /// Whether progress bars should be drawn (a terminal, not quiet, not disabled).
    #[must_use]
    pub fn shows_progress(&self) -> bool {
        self.progress && self.verbosity != Verbosity::Quiet
    }

    /// Writes data to stdout, followed by a newline unless it already ends with one.
    pub fn data(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        // A closed pipe (`| head`) is not an error worth reporting.
        let _ = out.write_all(text.as_bytes());
        if !text.ends_with('\n') {
            let _ = out.write_all(b"\n");
        }
        let _ = out.flush();
    }

    /// Whether stdout is a terminal (pretty output) or a pipe (raw output for scripts).
    #[must_use]
    pub fn stdout_is_terminal(&self) -> bool {
        std::io::stdout().is_terminal()
    }

    /// A progress bar for `total` steps (a spinner when unknown), hidden when progress is off.
    #[must_use]
    pub fn progress(&self, total: Option<u64>, message: &str) -> indicatif::ProgressBar {
        if !self.shows_progress() {
            return indicatif::ProgressBar::hidden();
        }
        let bar = match total {
            Some(total) => indicatif::ProgressBar::new(total).with_style(
                indicatif::ProgressStyle::with_template(
                    "{msg} [{bar:30}] {pos}/{len} ({rate}, eta {eta})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .with_key(
                    "rate",
                    |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = w.write_str(&rate(state.per_sec()));
                    },
                )
                .progress_chars("=> "),
            ),
            None => indicatif::ProgressBar::new_spinner(),
        };
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        bar.set_message(message.to_owned());
        bar
    }

    /// A warning line on stderr.
    pub fn warning(&self, message: impl Display) {
        if self.verbosity != Verbosity::Quiet {
            eprintln!("{}: {message}", style("warning").yellow().bold());
        }
    }

    /// A note line on stderr, shown only with `-v`.
    pub fn note(&self, message: impl Display) {
        if self.verbosity == Verbosity::Verbose {
            eprintln!("{}: {message}", style("note").cyan().bold());
        }
    }

    /// An error line on stderr (without a chain; see [`render_error`]).
    pub fn error(&self, message: impl Display) {
        eprintln!("{}: {message}", style("error").red().bold());
    }

    /// A status line on stderr (`validated`, `ready`, ...).
    pub fn status(&self, label: &str, message: impl Display) {
        if self.verbosity != Verbosity::Quiet {
            eprintln!("{} {message}", style(label).green().bold());
        }
    }

    /// Text on stderr as it is (an error already rendered).
    pub fn raw_stderr(&self, text: &str) {
        eprint!("{text}");
    }

    /// A line on stderr as it is, unless `--quiet`.
    pub fn line(&self, text: impl Display) {
        if self.verbosity != Verbosity::Quiet {
            eprintln!("{text}");
        }
    }

    /// A hint line on stderr.
    pub fn hint(&self, message: impl Display) {
        eprintln!("{}: {message}", style("hint").cyan().bold());
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn rates_have_thousands_separators_and_one_decimal() {
        assert_eq!(super::rate(2120.0552), "2,120.1/s");
        assert_eq!(super::rate(12.0), "12.0/s");
        assert_eq!(super::rate(1_234_567.89), "1,234,567.9/s");
        assert_eq!(super::rate(999.96), "1,000.0/s");
    }
}
