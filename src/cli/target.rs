//! Where `predict` sends: an explicit `--endpoint`, or a running deployment found by name in
//! the embedded state or through Docker's labels.

use anyhow::{Result, bail};

use super::args::TargetArgs;
use super::deployments::{NotRunning, Runtime};
use crate::runtime::docker::{PsRow, Selector};

/// A resolved target.
pub(crate) struct Resolved {
    /// Base URL.
    pub(crate) base: String,
    /// The protocol to speak.
    pub(crate) protocol: String,
    /// The model name in TF and v2 paths.
    pub(crate) model: String,
}

pub(crate) fn resolve(target: &TargetArgs) -> Result<Resolved> {
    let explicit_model = target.model.clone().or_else(|| target.unit.clone());
    if let Some(base) = &target.endpoint {
        return Ok(Resolved {
            base: base.clone(),
            protocol: target
                .protocol
                .clone()
                .unwrap_or_else(|| "seldon".to_owned()),
            model: explicit_model.unwrap_or_else(|| "model".to_owned()),
        });
    }
    let found = super::deployments::one(target.name.as_deref())?;
    let resolved = match found.runtime {
        Runtime::Embedded => from_embedded(&found.name, target, explicit_model.as_deref())?,
        Runtime::Docker => from_docker(&found.name, target, explicit_model.as_deref())?,
    };
    // By default a deployment is called through the ingress, as in a cluster.
    let through_ingress =
        target.unit.is_none() && target.predictor.is_none() && target.transport == "rest";
    let resolved = match resolved {
        Some(mut resolved) if through_ingress => {
            if let Some(base) = super::ingress::gateway_base(&found.name) {
                resolved.base = base;
            }
            Some(resolved)
        }
        other => other,
    };
    resolved.ok_or_else(|| {
        NotRunning {
            name: found.name.clone(),
            running: Vec::new(),
        }
        .into()
    })
}

fn from_embedded(name: &str, target: &TargetArgs, model: Option<&str>) -> Result<Option<Resolved>> {
    let mut running: Vec<_> = super::embedded::list(Some(name))?
        .into_iter()
        .filter(|(dir, _)| crate::runtime::embedded::state::is_serving(dir))
        .collect();
    let Some((_, state)) = running.pop() else {
        return Ok(None);
    };
    let predictor = match &target.predictor {
        Some(p) => p.clone(),
        None => state
            .graph_roots
            .first()
            .map(|(p, _)| p.clone())
            .unwrap_or_default(),
    };
    let root = state
        .graph_roots
        .iter()
        .find(|(p, _)| *p == predictor)
        .map(|(_, r)| r.clone());
    let Some(root) = root else {
        bail!("`{}` has no predictor `{predictor}`", state.deployment);
    };
    let wanted = target.unit.clone().unwrap_or_else(|| "engine".to_owned());
    let transport = target.transport.as_str();
    let endpoint = state
        .endpoints
        .iter()
        .filter(|e| e.predictor == predictor && e.protocol == transport)
        .find(|e| e.name == wanted)
        .or_else(|| {
            // No executor (`seldon.io/no-engine`): the graph's root unit answers.
            target.unit.is_none().then(|| {
                state
                    .endpoints
                    .iter()
                    .find(|e| e.predictor == predictor && e.name == root && e.protocol == transport)
            })?
        });
    let Some(endpoint) = endpoint else {
        let kind = if transport == "grpc" { "gRPC" } else { "REST" };
        bail!(
            "`{}` has no {kind} endpoint `{wanted}` in predictor `{predictor}`",
            state.deployment
        );
    };
    Ok(Some(Resolved {
        base: endpoint.address.clone(),
        protocol: target
            .protocol
            .clone()
            .unwrap_or_else(|| state.protocol.clone()),
        model: model.map_or(root, str::to_owned),
    }))
}

fn from_docker(name: &str, target: &TargetArgs, model: Option<&str>) -> Result<Option<Resolved>> {
    let selector = Selector::Deployment(name.to_owned());
    let rows: Vec<PsRow> = super::docker::block_on(async {
        let printer = crate::output::Printer::default();
        let runtime = super::docker::connect(&super::Context { printer }).await?;
        Ok(runtime.ps(&selector).await?)
    })?;
    let prefix = target.predictor.as_ref().map(|p| format!("-{p}-"));
    let wanted = target
        .unit
        .as_deref()
        .unwrap_or(crate::sdep::consts::ENGINE_CONTAINER_NAME);
    let row = rows.iter().find(|r| {
        r.container == wanted
            && prefix.as_ref().is_none_or(|p| {
                r.pod
                    .strip_prefix(&r.deployment)
                    .is_some_and(|rest| rest.starts_with(p))
            })
    });
    let Some(row) = row else { return Ok(None) };
    // The executor's REST port is 8000 and its gRPC port 5001; a unit's are its first ports in
    // the unit ranges (9000.., 9500..).
    let grpc = target.transport == "grpc";
    let host = row
        .ports
        .iter()
        .find(|(port, _)| match (target.unit.is_none(), grpc) {
            (true, false) => *port == 8000,
            (true, true) => *port == 5001,
            (false, false) => (9000..9500).contains(port),
            (false, true) => (9500..10000).contains(port),
        })
        .or_else(|| if grpc { None } else { row.ports.first() })
        .map(|(_, host)| *host);
    let Some(host) = host else { return Ok(None) };
    // Labels of an older `up` may lack the protocol and root: Seldon's defaults then.
    let labelled = |value: &str, default: &str| {
        if value.is_empty() {
            default.to_owned()
        } else {
            value.to_owned()
        }
    };
    Ok(Some(Resolved {
        base: format!("http://127.0.0.1:{host}"),
        protocol: target
            .protocol
            .clone()
            .unwrap_or_else(|| labelled(&row.protocol, "seldon")),
        model: model.map_or_else(|| labelled(&row.graph_root, "model"), str::to_owned),
    }))
}
