//! The unit's metrics port, as the Python wrapper serves it (`seldon_core/metrics.py`,
//! `get_metrics_microservice` in `wrapper.py`): Prometheus text on
//! `PREDICTIVE_UNIT_METRICS_SERVICE_PORT` (default 6000), at `/prometheus` (the path the operator
//! sets in `PREDICTIVE_UNIT_METRICS_ENDPOINT`) and at `/metrics` (the wrapper's default).
//!
//! The wrapper's only built-in series count feedback: `seldon_api_model_feedback` (one per
//! feedback with a non-zero reward) and `seldon_api_model_feedback_reward` (their sum), labelled
//! `method="feedback"`, the wrapper's default labels and `worker_id`.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State as AxumState;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::get;

use crate::components::executor::metrics::render_labels;
use crate::http;

/// The wrapper's default metrics port.
pub const DEFAULT_METRICS_PORT: u16 = 6000;
/// `seldon_api_model_feedback`.
pub const FEEDBACK_METRIC: &str = "seldon_api_model_feedback";
/// `seldon_api_model_feedback_reward`.
pub const FEEDBACK_REWARD_METRIC: &str = "seldon_api_model_feedback_reward";

/// Who the unit is, from the env the operator gives every unit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitLabels {
    /// `SELDON_DEPLOYMENT_ID`.
    pub deployment: String,
    /// `PREDICTIVE_UNIT_ID`.
    pub model_name: String,
    /// `PREDICTIVE_UNIT_IMAGE`.
    pub image: String,
    /// `PREDICTOR_ID`.
    pub predictor_name: String,
    /// `version` in the `PREDICTOR_LABELS` JSON.
    pub predictor_version: String,
}

impl UnitLabels {
    /// The predictor's version from `PREDICTOR_LABELS` (empty when absent or unreadable, as the
    /// wrapper defaults it).
    #[must_use]
    pub fn version_from_labels(labels: Option<&str>) -> String {
        labels
            .and_then(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .and_then(|v| v.get("version").and_then(|v| v.as_str()).map(str::to_owned))
            .unwrap_or_default()
    }

    /// The wrapper's default labels, in its order, then `worker_id`.
    fn rendered(&self, worker_id: u32) -> String {
        // `*name_parts, version = tag.split(":")`: the version is after the last `:`.
        let (image, version) = match self.image.rsplit_once(':') {
            Some((name, version)) => (name.to_owned(), version.to_owned()),
            None => (String::new(), self.image.clone()),
        };
        let labels = [
            ("method", "feedback".to_owned()),
            ("deployment_name", self.deployment.clone()),
            ("model_name", self.model_name.clone()),
            ("model_image", image.clone()),
            ("model_version", version.clone()),
            ("predictor_name", self.predictor_name.clone()),
            ("predictor_version", self.predictor_version.clone()),
            ("seldon_deployment_name", self.deployment.clone()),
            ("image_name", image),
            ("image_version", version),
            ("worker_id", worker_id.to_string()),
        ];
        render_labels(&labels)
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Feedback {
    count: f64,
    reward: f64,
}

/// The unit's series.
#[derive(Debug, Default)]
pub struct UnitMetrics {
    labels: UnitLabels,
    feedback: Mutex<Option<Feedback>>,
}

impl UnitMetrics {
    /// No series yet for a unit.
    #[must_use]
    pub fn new(labels: UnitLabels) -> Self {
        Self {
            labels,
            feedback: Mutex::default(),
        }
    }

    /// Counts one feedback; like the wrapper, a zero reward counts nothing.
    pub fn record_feedback(&self, reward: f64) {
        if reward == 0.0 || !reward.is_finite() {
            return;
        }
        let mut feedback = self
            .feedback
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = feedback.get_or_insert_with(Feedback::default);
        entry.count += 1.0;
        entry.reward += reward;
    }

    /// The Prometheus text exposition, as `prometheus_client` writes counters.
    #[must_use]
    pub fn render(&self) -> String {
        let Some(feedback) = *self
            .feedback
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
        else {
            return String::new();
        };
        let labels = self.labels.rendered(std::process::id());
        let mut out = String::new();
        for (name, value) in [
            (FEEDBACK_METRIC, feedback.count),
            (FEEDBACK_REWARD_METRIC, feedback.reward),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name}_total \n# TYPE {name}_total counter\n{name}_total{{{labels}}} {}",
                go_float(value)
            );
        }
        out
    }
}

/// Python's `floatToGoString`: integral values keep a `.0`.
fn go_float(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e16 {
        format!("{value:.1}")
    } else {
        value.to_string()
    }
}

/// The metrics port's routes: `/prometheus`, `/metrics` and the configured endpoint.
pub fn metrics_router(metrics: Arc<UnitMetrics>, endpoint: &str) -> Router {
    let mut router = Router::new()
        .route("/prometheus", get(scrape))
        .route("/metrics", get(scrape));
    if endpoint.starts_with('/') && endpoint != "/prometheus" && endpoint != "/metrics" {
        router = router.route(endpoint, get(scrape));
    }
    router.with_state(metrics)
}

async fn scrape(AxumState(metrics): AxumState<Arc<UnitMetrics>>) -> Response {
    http::response(
        StatusCode::OK,
        Some(HeaderValue::from_static(
            "text/plain; version=0.0.4; charset=utf-8",
        )),
        metrics.render(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feedback_counters_render_like_the_wrapper() {
        let metrics = UnitMetrics::new(UnitLabels {
            deployment: "dep".into(),
            model_name: "m".into(),
            image: "seldonio/tfserving-proxy:1.18.2".into(),
            predictor_name: "default".into(),
            predictor_version: String::new(),
        });
        assert_eq!(metrics.render(), "");
        metrics.record_feedback(0.0);
        assert_eq!(metrics.render(), "", "a zero reward counts nothing");
        metrics.record_feedback(1.0);
        metrics.record_feedback(0.5);
        let text = metrics.render();
        let labels = format!(
            "method=\"feedback\",deployment_name=\"dep\",model_name=\"m\",\
             model_image=\"seldonio/tfserving-proxy\",model_version=\"1.18.2\",\
             predictor_name=\"default\",predictor_version=\"\",seldon_deployment_name=\"dep\",\
             image_name=\"seldonio/tfserving-proxy\",image_version=\"1.18.2\",worker_id=\"{}\"",
            std::process::id()
        );
        for line in [
            "# TYPE seldon_api_model_feedback_total counter".to_owned(),
            format!("seldon_api_model_feedback_total{{{labels}}} 2.0"),
            format!("seldon_api_model_feedback_reward_total{{{labels}}} 1.5"),
        ] {
            assert!(text.contains(&line), "missing `{line}` in\n{text}");
        }
    }

    #[test]
    fn the_predictor_version_comes_from_its_labels() {
        assert_eq!(
            UnitLabels::version_from_labels(Some(r#"{"version":"v2"}"#)),
            "v2"
        );
        assert_eq!(UnitLabels::version_from_labels(Some("{}")), "");
        assert_eq!(UnitLabels::version_from_labels(None), "");
    }
}
