//! seldon-local's stand-in for the cluster's request-log broker: when a graph node has a
//! `logger` without a `url`, the executor sends to the operator's default
//! (`REQUEST_LOGGER_DEFAULT_ENDPOINT`, `http://default-broker`), so the plan adds a pod that plays
//! that broker (the builtin request-log sink) behind a Service named `default-broker`.
//!
//! Not something the operator creates: it is only in [`super::Plan::pods`] and
//! [`super::Plan::services`], never in the rendered objects.

use std::collections::BTreeMap;

use super::model::{
    Container, Mount, Pod, PodVolume, Port, Probe, ProbeAction, Role, Service, ServicePort,
    VolumeSource,
};
use crate::sdep::Validated;

/// The operator's default request-logger URL.
pub const DEFAULT_LOGGER_URL: &str = "http://default-broker";
/// The Service (and DNS name) the sink answers to.
pub const SERVICE: &str = "default-broker";
/// The sink's container name.
pub const CONTAINER: &str = "request-logger";
/// The port it listens on (the default URL has none).
pub const PORT: u16 = 80;
/// Where it stores events inside its container.
pub const STORE_PATH: &str = "/var/lib/seldon-local/requests";
/// The image named for it (seldon-local's own image always plays it).
pub const IMAGE: &str = "seldon-local/request-sink";

/// Whether a logger URL means the cluster's default broker.
#[must_use]
pub fn is_default(url: Option<&str>) -> bool {
    match url.map(str::trim) {
        None | Some("") => true,
        Some(url) => url.trim_end_matches('/') == DEFAULT_LOGGER_URL,
    }
}

/// The sink's pod and Service when some node logs to the default broker.
#[must_use]
pub fn build(validated: &Validated) -> Option<(Pod, Service)> {
    let sdep = validated.sdep();
    let needed = sdep.spec.predictors.iter().any(|predictor| {
        predictor.graph.preorder().iter().any(|unit| {
            unit.logger
                .as_ref()
                .is_some_and(|l| is_default(l.url.as_deref()))
        })
    });
    if !needed {
        return None;
    }
    let name = format!("{}-request-logger", sdep.name());
    let container = Container {
        name: CONTAINER.to_owned(),
        role: Role::RequestSink,
        image: IMAGE.to_owned(),
        command: Vec::new(),
        args: vec!["--dir".to_owned(), STORE_PATH.to_owned()],
        env: Vec::new(),
        env_from: Vec::new(),
        ports: vec![Port {
            name: Some("http".to_owned()),
            container_port: PORT,
        }],
        mounts: vec![Mount {
            volume: "requests".to_owned(),
            path: STORE_PATH.to_owned(),
            read_only: false,
        }],
        readiness: Some(Probe {
            action: ProbeAction::Http {
                path: "/ready".to_owned(),
                port: PORT,
                scheme: "HTTP".to_owned(),
            },
            initial_delay_seconds: 0,
            period_seconds: 1,
            timeout_seconds: 1,
            failure_threshold: 3,
        }),
        liveness: None,
        run_as_user: None,
        working_dir: None,
    };
    let pod = Pod {
        name: name.clone(),
        predictor: String::new(),
        labels: BTreeMap::from([("seldon-deployment-id".to_owned(), sdep.name().to_owned())]),
        annotations: BTreeMap::new(),
        init_containers: Vec::new(),
        containers: vec![container],
        volumes: vec![PodVolume {
            name: "requests".to_owned(),
            source: VolumeSource::EmptyDir,
        }],
    };
    let service = Service {
        name: SERVICE.to_owned(),
        aliases: vec![SERVICE.to_owned()],
        pods: vec![name],
        ports: vec![ServicePort {
            name: "http".to_owned(),
            port: PORT,
            target_port: PORT,
        }],
    };
    Some((pod, service))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_urls_of_the_default_broker_are_default() {
        assert!(is_default(None));
        assert!(is_default(Some("")));
        assert!(is_default(Some("http://default-broker/")));
        assert!(!is_default(Some("http://my-logger:8080/")));
    }
}
