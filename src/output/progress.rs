//! Progress bars (one per image layer while pulling) and log-line prefixes.

use std::collections::HashMap;
use std::sync::Mutex;

use console::{Style, style};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Printer;

/// One bar per layer of the images being pulled, drawn only where progress may be shown.
#[derive(Debug)]
pub struct LayerBars {
    multi: MultiProgress,
    bars: Mutex<HashMap<String, ProgressBar>>,
}

impl LayerBars {
    /// Bars on stderr, or hidden (no terminal, `--quiet`, `--no-progress`).
    #[must_use]
    pub fn new(printer: &Printer) -> Self {
        let target = if printer.shows_progress() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Self {
            multi: MultiProgress::with_draw_target(target),
            bars: Mutex::new(HashMap::new()),
        }
    }

    /// Updates the bar of `layer` of `image` (messages without a layer go on the image's bar).
    pub fn update(
        &self,
        image: &str,
        layer: Option<&str>,
        status: &str,
        current: Option<u64>,
        total: Option<u64>,
    ) {
        let key = format!("{image} {}", layer.unwrap_or(""));
        let Ok(mut bars) = self.bars.lock() else {
            return;
        };
        let bar = bars.entry(key).or_insert_with(|| {
            let bar = self.multi.add(ProgressBar::new(0));
            bar.set_style(
                ProgressStyle::with_template("{prefix} {msg:20} {bar:30} {bytes}/{total_bytes}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_prefix(match layer {
                Some(layer) => format!("{image} {layer}"),
                None => image.to_owned(),
            });
            bar
        });
        if let Some(total) = total {
            bar.set_length(total);
        }
        if let Some(current) = current {
            bar.set_position(current);
        }
        bar.set_message(status.to_owned());
        if status.contains("complete") || status.contains("Already exists") {
            bar.finish();
        }
    }

    /// Removes every bar.
    pub fn clear(&self) {
        let _ = self.multi.clear();
    }
}

/// One bar per model download (bytes, rate, ETA), drawn only where progress may be shown.
#[derive(Debug)]
pub struct DownloadBars {
    multi: MultiProgress,
    bars: Mutex<HashMap<String, ProgressBar>>,
}

impl DownloadBars {
    /// Bars on stderr, or hidden (no terminal, `--quiet`, `--no-progress`).
    #[must_use]
    pub fn new(printer: &Printer) -> Self {
        let target = if printer.shows_progress() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Self {
            multi: MultiProgress::with_draw_target(target),
            bars: Mutex::new(HashMap::new()),
        }
    }

    /// Moves `container`'s bar to `bytes` (of `total`, when known) and `files_done` of `files`.
    pub fn update(
        &self,
        container: &str,
        bytes: u64,
        total: Option<u64>,
        files_done: u64,
        files: Option<u64>,
    ) {
        let Ok(mut bars) = self.bars.lock() else {
            return;
        };
        let bar = bars.entry(container.to_owned()).or_insert_with(|| {
            let bar = self.multi.add(ProgressBar::no_length());
            bar.set_style(download_style(false));
            bar.set_prefix(container.to_owned());
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        if let Some(total) = total
            && bar.length() != Some(total)
        {
            bar.set_length(total);
            bar.set_style(download_style(true));
        }
        bar.set_position(bytes);
        bar.set_message(match files {
            Some(files) => format!("{files_done}/{files} files"),
            None => format!("{files_done} files"),
        });
    }

    /// Removes `container`'s bar.
    pub fn finish(&self, container: &str) {
        if let Ok(mut bars) = self.bars.lock()
            && let Some(bar) = bars.remove(container)
        {
            bar.finish_and_clear();
            self.multi.remove(&bar);
        }
    }
}

impl DownloadBars {
    /// Removes every bar.
    pub fn clear(&self) {
        if let Ok(mut bars) = self.bars.lock() {
            for (_, bar) in bars.drain() {
                bar.finish_and_clear();
                self.multi.remove(&bar);
            }
        }
    }
}

fn download_style(sized: bool) -> ProgressStyle {
    let template = if sized {
        "{prefix} {bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta} {msg}"
    } else {
        "{prefix} {spinner} {bytes} {binary_bytes_per_sec} {msg}"
    };
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

const PALETTE: [u8; 6] = [6, 3, 2, 5, 4, 1];

/// `name | ` coloured by position, padded to `width`, as compose prefixes log lines.
#[must_use]
pub fn log_prefix(name: &str, index: usize, width: usize) -> String {
    let colour = PALETTE[index % PALETTE.len()];
    format!(
        "{} ",
        Style::new()
            .color256(colour)
            .apply_to(format!("{name:width$} |"))
    )
}

/// A dimmed prefix for an init container's line on stderr.
#[must_use]
pub fn init_prefix(name: &str) -> String {
    format!("{} ", style(format!("{name} |")).dim())
}
