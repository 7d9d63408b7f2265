//! Labels: the Docker runtime's only state. Everything `up` creates carries them, and `ps`,
//! `logs` and `down` find resources by them (no state file, no name guessing).

use std::collections::BTreeMap;

/// Marks every resource seldon-local manages.
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
/// The value of [`MANAGED_BY`].
pub const MANAGER: &str = "seldon-local";
/// The SeldonDeployment's name.
pub const DEPLOYMENT: &str = "seldon-local/deployment";
/// The SeldonDeployment's namespace.
pub const NAMESPACE: &str = "seldon-local/namespace";
/// The predictor.
pub const PREDICTOR: &str = "seldon-local/predictor";
/// The deployment's protocol (`seldon`, `tensorflow`, `v2`...), for `predict NAME`.
pub const PROTOCOL: &str = "seldon-local/protocol";
/// The root unit of the predictor's graph (the model name in TF and v2 paths).
pub const GRAPH_ROOT: &str = "seldon-local/graph-root";
/// The pod (the generated Deployment's name).
pub const POD: &str = "seldon-local/pod";
/// The container's name in the pod (`sandbox` for the pod's sandbox).
pub const CONTAINER: &str = "seldon-local/container";
/// `sandbox`, `init` or `container`.
pub const KIND: &str = "seldon-local/kind";
/// The container's role in the plan.
pub const ROLE: &str = "seldon-local/role";
/// The `up` that created the resource.
pub const SESSION: &str = "seldon-local/session";
/// The container ports of the container, comma separated (published on the sandbox).
pub const PORTS: &str = "seldon-local/ports";
/// The readiness probe `ps` checks: `http:PORT:PATH` or `tcp:PORT`.
pub const READINESS: &str = "seldon-local/readiness";
/// The liveness probe the supervisor runs, as [`READINESS`]; a container failing it is
/// restarted.
pub const LIVENESS: &str = "seldon-local/liveness";
/// That probe's timings: `INITIAL_DELAY,PERIOD,TIMEOUT,FAILURE_THRESHOLD` (seconds, count).
pub const LIVENESS_TIMING: &str = "seldon-local/liveness-timing";
/// On seldon-local's image: the fingerprint (size and mtime) of the binary it was built from.
pub const BINARY: &str = "seldon-local/binary";

/// The name the pod's sandbox has in [`CONTAINER`].
pub const SANDBOX: &str = "sandbox";

/// Which resources a query is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// Everything seldon-local manages.
    All,
    /// One deployment.
    Deployment(String),
    /// One `up`.
    Session(String),
}

impl Selector {
    /// Docker `label` filters (all must match).
    #[must_use]
    pub fn filters(&self) -> Vec<String> {
        let mut filters = vec![format!("{MANAGED_BY}={MANAGER}")];
        match self {
            Self::All => {}
            Self::Deployment(name) => filters.push(format!("{DEPLOYMENT}={name}")),
            Self::Session(id) => filters.push(format!("{SESSION}={id}")),
        }
        filters
    }

    /// Whether a resource with these labels is selected.
    #[must_use]
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.filters().iter().all(|filter| {
            let (key, value) = filter.split_once('=').unwrap_or((filter, ""));
            labels.get(key).map(String::as_str) == Some(value)
        })
    }
}

/// The labels of the deployment-wide resources (network).
#[must_use]
pub fn deployment(name: &str, namespace: &str, session: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (MANAGED_BY.to_owned(), MANAGER.to_owned()),
        (DEPLOYMENT.to_owned(), name.to_owned()),
        (NAMESPACE.to_owned(), namespace.to_owned()),
        (SESSION.to_owned(), session.to_owned()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_match_only_their_resources() {
        let ours = deployment("iris", "default", "s1");
        let mut other = ours.clone();
        other.insert(DEPLOYMENT.to_owned(), "other".to_owned());
        other.insert(SESSION.to_owned(), "s2".to_owned());
        let foreign = BTreeMap::from([(DEPLOYMENT.to_owned(), "iris".to_owned())]);
        assert!(Selector::All.matches(&ours));
        assert!(Selector::Deployment("iris".into()).matches(&ours));
        assert!(!Selector::Deployment("iris".into()).matches(&other));
        assert!(Selector::Session("s1".into()).matches(&ours));
        assert!(!Selector::Session("s1".into()).matches(&other));
        assert!(!Selector::All.matches(&foreign));
    }
}
