//! The executor's Prometheus metrics, with upstream's names, labels and histogram buckets.
//!
//! Histograms are exact. Summaries are computed on scrape from the most recent
//! [`WINDOW`] observations of each series (client_golang uses a decaying 10-minute window; the
//! quantiles agree for steady traffic, and nothing on the request path sorts anything).

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

/// `seldon_api_executor_server_requests_seconds`.
pub const SERVER_METRIC: &str = "seldon_api_executor_server_requests_seconds";
/// `seldon_api_executor_client_requests_seconds`.
pub const CLIENT_METRIC: &str = "seldon_api_executor_client_requests_seconds";

const BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];
const QUANTILES: [f64; 6] = [0.5, 0.75, 0.9, 0.98, 0.99, 1.0];
/// How many recent observations each summary keeps.
pub const WINDOW: usize = 1024;

#[derive(Debug, Default)]
struct Series {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
    window: VecDeque<f64>,
}

impl Series {
    fn observe(&mut self, seconds: f64) {
        for (bucket, bound) in self.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        self.count += 1;
        self.sum += seconds;
        if self.window.len() == WINDOW {
            self.window.pop_front();
        }
        self.window.push_back(seconds);
    }
}

/// The labels of a server series (the deployment labels are added on render).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerLabels {
    /// `predictions`, `feedback`, `status` or `metadata`.
    pub service: &'static str,
    /// Lower-case HTTP method.
    pub method: &'static str,
    /// HTTP status code.
    pub code: u16,
}

/// The labels of a client series.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientLabels {
    /// The unit path called.
    pub service: String,
    /// The node name.
    pub model_name: String,
    /// The node image name (before the `:`).
    pub model_image: String,
    /// The node image tag.
    pub model_version: String,
    /// Lower-case HTTP method.
    pub method: &'static str,
    /// HTTP status code (0 when the call failed before a status).
    pub code: u16,
}

/// Splits an image into name and tag the way the executor labels them: the tag is empty unless
/// there is exactly one `:`.
#[must_use]
pub fn split_image(image: &str) -> (String, String) {
    match image.split_once(':') {
        Some((name, tag)) if !tag.contains(':') => (name.to_owned(), tag.to_owned()),
        _ => (image.to_owned(), String::new()),
    }
}

/// All series of one executor.
#[derive(Debug)]
pub struct Metrics {
    deployment: String,
    predictor: String,
    version: String,
    server: Mutex<HashMap<ServerLabels, Series>>,
    client: Mutex<HashMap<ClientLabels, Series>>,
}

impl Metrics {
    /// Empty metrics for one deployment and predictor.
    #[must_use]
    pub fn new(deployment: &str, predictor: &str, version: &str) -> Self {
        Self {
            deployment: deployment.to_owned(),
            predictor: predictor.to_owned(),
            version: version.to_owned(),
            server: Mutex::default(),
            client: Mutex::default(),
        }
    }

    /// The deployment labels every series carries.
    #[must_use]
    pub fn base_labels(&self) -> Vec<(&'static str, String)> {
        vec![
            ("deployment_name", self.deployment.clone()),
            ("predictor_name", self.predictor.clone()),
            ("predictor_version", self.version.clone()),
        ]
    }

    /// Records one handled external request.
    pub fn observe_server(&self, labels: ServerLabels, elapsed: Duration) {
        let mut map = self
            .server
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.entry(labels)
            .or_default()
            .observe(elapsed.as_secs_f64());
    }

    /// Records one call to a unit.
    pub fn observe_client(&self, labels: ClientLabels, elapsed: Duration) {
        let mut map = self
            .client
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.entry(labels)
            .or_default()
            .observe(elapsed.as_secs_f64());
    }

    /// The Prometheus text exposition of every series.
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = String::new();
        let base = [
            ("deployment_name", self.deployment.as_str()),
            ("predictor_name", self.predictor.as_str()),
            ("predictor_version", self.version.as_str()),
        ];
        {
            let map = self
                .server
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let mut series: Vec<_> = map
                .iter()
                .map(|(l, s)| {
                    let code = l.code.to_string();
                    let mut labels: Vec<(&str, String)> =
                        base.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
                    labels.extend([
                        ("service", l.service.to_owned()),
                        ("method", l.method.to_owned()),
                        ("code", code),
                    ]);
                    (labels, s)
                })
                .collect();
            write_family(
                &mut out,
                SERVER_METRIC,
                "A histogram of latencies for executor server",
                &mut series,
            );
        }
        {
            let map = self
                .client
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let mut series: Vec<_> = map
                .iter()
                .map(|(l, s)| {
                    let mut labels: Vec<(&str, String)> =
                        base.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
                    labels.extend([
                        ("service", l.service.clone()),
                        ("model_name", l.model_name.clone()),
                        ("model_image", l.model_image.clone()),
                        ("model_version", l.model_version.clone()),
                        ("method", l.method.to_owned()),
                        ("code", l.code.to_string()),
                    ]);
                    (labels, s)
                })
                .collect();
            write_family(
                &mut out,
                CLIENT_METRIC,
                "A histogram of latencies for client calls from executor",
                &mut series,
            );
        }
        out
    }
}

#[allow(clippy::cast_precision_loss)] // window length ≤ WINDOW
fn write_family(
    out: &mut String,
    name: &str,
    help: &str,
    series: &mut [(Vec<(&str, String)>, &Series)],
) {
    for (labels, _) in series.iter_mut() {
        labels.sort_by(|a, b| a.0.cmp(b.0));
    }
    series.sort_by(|a, b| a.0.cmp(&b.0));
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
    for (labels, s) in series.iter() {
        let text = render_labels(labels);
        // Buckets are already cumulative: each observation counts in every bucket it fits.
        for (bound, count) in BUCKETS.iter().zip(s.buckets) {
            let _ = writeln!(out, "{name}_bucket{{{text},le=\"{bound}\"}} {count}");
        }
        let _ = writeln!(out, "{name}_bucket{{{text},le=\"+Inf\"}} {}", s.count);
        let _ = writeln!(out, "{name}_sum{{{text}}} {}", s.sum);
        let _ = writeln!(out, "{name}_count{{{text}}} {}", s.count);
    }
    let _ = writeln!(
        out,
        "# HELP {name}_summary {help}\n# TYPE {name}_summary summary"
    );
    for (labels, s) in series.iter() {
        let text = render_labels(labels);
        let mut window: Vec<f64> = s.window.iter().copied().collect();
        window.sort_by(f64::total_cmp);
        for q in QUANTILES {
            let value = if window.is_empty() {
                f64::NAN
            } else {
                let rank = ((q * window.len() as f64).ceil() as usize).clamp(1, window.len());
                window[rank - 1]
            };
            let _ = writeln!(out, "{name}_summary{{{text},quantile=\"{q}\"}} {value}");
        }
        let _ = writeln!(out, "{name}_summary_sum{{{text}}} {}", s.sum);
        let _ = writeln!(out, "{name}_summary_count{{{text}}} {}", s.count);
    }
}

/// `key="value",…` with Prometheus escaping, in the given order.
#[must_use]
pub fn render_labels(labels: &[(&str, String)]) -> String {
    let mut text = String::new();
    for (i, (key, value)) in labels.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        let escaped = value
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n");
        let _ = write!(text, "{key}=\"{escaped}\"");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_and_summaries_render_with_upstream_names() {
        let metrics = Metrics::new("dep", "pred", "");
        let labels = ServerLabels {
            service: "predictions",
            method: "post",
            code: 200,
        };
        metrics.observe_server(labels.clone(), Duration::from_millis(3));
        metrics.observe_server(labels, Duration::from_millis(30));
        metrics.observe_client(
            ClientLabels {
                service: "/predict".into(),
                model_name: "m".into(),
                model_image: "img".into(),
                model_version: "1".into(),
                method: "post",
                code: 200,
            },
            Duration::from_millis(1),
        );
        let text = metrics.render();
        let common = r#"code="200",deployment_name="dep",method="post",predictor_name="pred",predictor_version="",service="predictions""#;
        for line in [
            format!(
                "seldon_api_executor_server_requests_seconds_bucket{{{common},le=\"0.005\"}} 1"
            ),
            format!("seldon_api_executor_server_requests_seconds_bucket{{{common},le=\"0.05\"}} 2"),
            format!("seldon_api_executor_server_requests_seconds_bucket{{{common},le=\"+Inf\"}} 2"),
            format!("seldon_api_executor_server_requests_seconds_count{{{common}}} 2"),
            format!(
                "seldon_api_executor_server_requests_seconds_summary{{{common},quantile=\"0.5\"}} 0.003"
            ),
            format!(
                "seldon_api_executor_server_requests_seconds_summary{{{common},quantile=\"1\"}} 0.03"
            ),
            "# TYPE seldon_api_executor_client_requests_seconds histogram".to_owned(),
        ] {
            assert!(text.contains(&line), "missing `{line}` in\n{text}");
        }
        assert!(
            text.contains(r#"model_image="img",model_name="m",model_version="1""#),
            "{text}"
        );
    }

    #[test]
    fn images_split_into_name_and_version() {
        assert_eq!(
            split_image("seldonio/x:1.2"),
            ("seldonio/x".into(), "1.2".into())
        );
        assert_eq!(split_image("plain"), ("plain".into(), String::new()));
        assert_eq!(
            split_image("host:5000/x:1"),
            ("host:5000/x:1".into(), String::new())
        );
    }
}
