//! Load mode: N requests (or a duration) at concurrency C over keep-alive connections, with
//! latency percentiles and errors counted by status.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::Sender;

/// How much load to send.
#[derive(Debug, Clone, Copy)]
pub struct LoadSettings {
    /// Total requests; with `duration` unset this is the stop condition.
    pub requests: Option<u64>,
    /// Stop after this long.
    pub duration: Option<Duration>,
    /// Requests in flight at once.
    pub concurrency: usize,
}

/// What a load run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadReport {
    /// Requests sent.
    pub sent: u64,
    /// Answers with a 2xx status.
    pub succeeded: u64,
    /// Failures by status code, or `connection` when no answer came.
    pub errors: BTreeMap<String, u64>,
    /// The first failure seen: the answer's status and body (cut to 300 characters), or why
    /// no answer came.
    pub sample_error: Option<String>,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Latency percentiles (p50, p90, p99) and the maximum.
    pub p50: Duration,
    #[allow(missing_docs)]
    pub p90: Duration,
    #[allow(missing_docs)]
    pub p99: Duration,
    #[allow(missing_docs)]
    pub max: Duration,
}

impl LoadReport {
    /// Requests per second over the run.
    #[must_use]
    pub fn requests_per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            // Request counts stay far below 2^52, so the conversion is exact.
            #[allow(clippy::cast_precision_loss)]
            let sent = self.sent as f64;
            sent / seconds
        } else {
            0.0
        }
    }

    fn from_samples(
        mut latencies: Vec<Duration>,
        errors: BTreeMap<String, u64>,
        elapsed: Duration,
    ) -> Self {
        latencies.sort_unstable();
        let at = |q: f64| -> Duration {
            if latencies.is_empty() {
                return Duration::ZERO;
            }
            // Nearest-rank percentile; sample counts stay far below 2^52.
            #[allow(clippy::cast_precision_loss)]
            let last = (latencies.len() - 1) as f64;
            let index = (last * q).round() as usize;
            latencies[index.min(latencies.len() - 1)]
        };
        let failed: u64 = errors.values().sum();
        let sent = latencies.len() as u64;
        Self {
            sent,
            succeeded: sent - failed,
            p50: at(0.50),
            p90: at(0.90),
            p99: at(0.99),
            max: latencies.last().copied().unwrap_or_default(),
            errors,
            sample_error: None,
            elapsed,
        }
    }
}

/// Sends the request repeatedly; `progress` is called with the running count.
pub async fn run_load(
    sender: &Sender,
    settings: LoadSettings,
    progress: Arc<dyn Fn(u64) + Send + Sync>,
) -> LoadReport {
    let started = Instant::now();
    let deadline = settings.duration.map(|d| started + d);
    let budget = settings.requests.unwrap_or(u64::MAX);
    let issued = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..settings.concurrency.max(1) {
        let sender = sender.clone();
        let (issued, done, progress) = (
            Arc::clone(&issued),
            Arc::clone(&done),
            Arc::clone(&progress),
        );
        workers.spawn(async move {
            let mut latencies = Vec::new();
            let mut errors: BTreeMap<String, u64> = BTreeMap::new();
            let mut sample: Option<String> = None;
            loop {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    break;
                }
                if issued.fetch_add(1, Ordering::Relaxed) >= budget {
                    break;
                }
                let sent = Instant::now();
                match sender.send().await {
                    Ok(response) if response.is_success() => {}
                    Ok(response) => {
                        let key = response.grpc.map_or_else(
                            || response.status.to_string(),
                            |code| format!("{code:?}"),
                        );
                        *errors.entry(key.clone()).or_default() += 1;
                        sample.get_or_insert_with(|| {
                            let body: String = String::from_utf8_lossy(&response.body)
                                .chars()
                                .take(300)
                                .collect();
                            format!("{key}: {}", body.trim_end())
                        });
                    }
                    Err(error) => {
                        *errors.entry("connection".to_owned()).or_default() += 1;
                        sample.get_or_insert_with(|| error.to_string());
                    }
                }
                latencies.push(sent.elapsed());
                progress(done.fetch_add(1, Ordering::Relaxed) + 1);
            }
            (latencies, errors, sample)
        });
    }
    let mut latencies = Vec::new();
    let mut errors: BTreeMap<String, u64> = BTreeMap::new();
    let mut sample_error = None;
    while let Some(result) = workers.join_next().await {
        // A worker only ends by returning; a panic would be a bug worth surfacing loudly.
        let (mut l, e, sample) = result.expect("load worker does not panic");
        latencies.append(&mut l);
        sample_error = sample_error.or(sample);
        for (status, count) in e {
            *errors.entry(status).or_default() += count;
        }
    }
    LoadReport {
        sample_error,
        ..LoadReport::from_samples(latencies, errors, started.elapsed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_from_the_sorted_samples() {
        let samples = (1..=100).map(Duration::from_millis).collect();
        let report = LoadReport::from_samples(
            samples,
            BTreeMap::from([("503".into(), 2)]),
            Duration::from_secs(2),
        );
        assert_eq!(report.p50, Duration::from_millis(51));
        assert_eq!(report.p99, Duration::from_millis(99));
        assert_eq!(report.max, Duration::from_millis(100));
        assert_eq!((report.sent, report.succeeded), (100, 98));
        assert!((report.requests_per_second() - 50.0).abs() < 1e-9);
    }
}
