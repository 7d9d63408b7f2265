//! The operator webhook's validation, every rule of both versions, with upstream's messages
//! and field paths; plus the checks the Kubernetes API server would make on the generated
//! objects (names), and a few of seldon-local's own where upstream would fail later.
//!
//! 1.2.1 validates after defaulting; 1.18.2 validates the object as submitted. Either way the
//! result is a [`Validated`] holding the defaulted resource, which is the only way into
//! `plan::build`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::consts::{ANNOTATION_NO_ENGINE, ANNOTATION_SVC_NAME};
use super::names::{is_dns_label, is_dns_subdomain, predictor_key};
use super::{
    EndpointType, FieldPath, OperatorConfig, PredictiveUnit, PredictiveUnitImplementation,
    PredictiveUnitType, PredictorSpec, SeldonDeployment, defaults,
};

/// A defaulted `SeldonDeployment` that passed validation, with the configuration used.
#[derive(Debug, Clone)]
pub struct Validated {
    sdep: SeldonDeployment,
    config: OperatorConfig,
}

impl Validated {
    /// The defaulted resource.
    #[must_use]
    pub fn sdep(&self) -> &SeldonDeployment {
        &self.sdep
    }

    /// The operator configuration it was defaulted and validated with.
    #[must_use]
    pub fn config(&self) -> &OperatorConfig {
        &self.config
    }
}

/// Who would have rejected the resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The Seldon operator's validating webhook.
    Webhook,
    /// The Kubernetes API server, on the objects the operator would create.
    Kubernetes,
    /// seldon-local, where upstream would accept and then misbehave.
    SeldonLocal,
}

/// One rejected field, in Kubernetes' `field.Invalid` shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The field.
    pub path: FieldPath,
    /// The offending value, as upstream prints it.
    pub value: String,
    /// Upstream's message, verbatim.
    pub message: String,
    /// Who makes the check.
    pub origin: Origin,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: Invalid value: {:?}: {}",
            self.path, self.value, self.message
        )?;
        match self.origin {
            Origin::Webhook => Ok(()),
            Origin::Kubernetes => f.write_str(" (checked by the Kubernetes API server)"),
            Origin::SeldonLocal => f.write_str(" (checked by seldon-local)"),
        }
    }
}

/// Every violation found in one resource.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SeldonDeployment `{name}` is invalid ({count} violation{s}, Seldon Core {version}):\n{list}",
    count = .violations.len(),
    s = if .violations.len() == 1 { "" } else { "s" },
    list = .violations.iter().map(|v| format!("  - {v}")).collect::<Vec<_>>().join("\n"))]
pub struct Violations {
    /// `metadata.name` of the resource.
    pub name: String,
    /// The emulated version.
    pub version: String,
    /// What was rejected, in rule order.
    pub violations: Vec<Violation>,
}

/// Defaults and validates `sdep` as the chosen operator version would.
pub fn validate(
    mut sdep: SeldonDeployment,
    config: &OperatorConfig,
) -> Result<Validated, Violations> {
    let old = config.version.is_old();
    let mut found = Vec::new();
    if old {
        defaults::apply(&mut sdep, config);
        webhook(&sdep, config, &mut found);
    } else {
        webhook(&sdep, config, &mut found);
        defaults::apply(&mut sdep, config);
    }
    kubernetes(&sdep, &mut found);
    local(&sdep, &mut found);
    if found.is_empty() {
        Ok(Validated {
            sdep,
            config: config.clone(),
        })
    } else {
        Err(Violations {
            name: sdep.name().to_owned(),
            version: config.version.to_string(),
            violations: found,
        })
    }
}

struct Rules<'a> {
    found: &'a mut Vec<Violation>,
}

impl Rules<'_> {
    fn add(&mut self, path: FieldPath, value: &str, message: impl Into<String>, origin: Origin) {
        self.found.push(Violation {
            path,
            value: value.to_owned(),
            message: message.into(),
            origin,
        });
    }

    fn webhook(&mut self, path: FieldPath, value: &str, message: impl Into<String>) {
        self.add(path, value, message, Origin::Webhook);
    }
}

fn spec_path() -> FieldPath {
    FieldPath::root().key("spec")
}

fn predictor_path(i: usize) -> FieldPath {
    spec_path().key("predictors").index(i)
}

#[allow(clippy::too_many_lines)] // one rule after another, in upstream's order
fn webhook(sdep: &SeldonDeployment, config: &OperatorConfig, found: &mut Vec<Violation>) {
    let old = config.version.is_old();
    let spec = &sdep.spec;
    let mut rules = Rules { found };

    let protocol = spec.protocol.as_deref().unwrap_or_default();
    let protocols: &[&str] = if old {
        &["seldon", "tensorflow"]
    } else {
        &["seldon", "tensorflow", "kfserving", "v2"]
    };
    if !protocol.is_empty() && !protocols.contains(&protocol) {
        rules.webhook(spec_path(), protocol, "Invalid protocol");
    }
    let transport = spec.transport.as_deref().unwrap_or_default();
    if !transport.is_empty() && transport != "rest" && transport != "grpc" {
        rules.webhook(spec_path(), transport, "Invalid transport");
    }
    let server_type = spec.server_type.as_deref().unwrap_or_default();
    if !old {
        if !server_type.is_empty() && server_type != "rpc" && server_type != "kafka" {
            rules.webhook(spec_path(), server_type, "Invalid serverType");
        }
        if server_type == "kafka" {
            for (i, predictor) in spec.predictors.iter().enumerate() {
                let env: BTreeSet<&str> = predictor
                    .svc_orch_spec
                    .iter()
                    .flat_map(|s| s.env.iter().map(|e| e.name.as_str()))
                    .collect();
                let needed = ["KAFKA_BROKER", "KAFKA_INPUT_TOPIC", "KAFKA_OUTPUT_TOPIC"];
                if !needed.iter().all(|n| env.contains(n)) {
                    rules.webhook(
                        predictor_path(i),
                        &predictor.name,
                        "For kafka please supply svcOrchSpec envs KAFKA_BROKER, KAFKA_INPUT_TOPIC, KAFKA_OUTPUT_TOPIC",
                    );
                }
            }
        }
        if let [only] = spec.predictors.as_slice()
            && only.shadow == Some(true)
        {
            rules.webhook(
                predictor_path(0),
                &only.name,
                "Shadow can not exist as only predictor",
            );
        }
        let mut svc_names = BTreeSet::new();
        for (i, predictor) in spec.predictors.iter().enumerate() {
            if let Some(name) = predictor.annotations.get(ANNOTATION_SVC_NAME)
                && !svc_names.insert(name.as_str())
            {
                rules.webhook(
                    predictor_path(i),
                    name,
                    format!("Found duplicate service name in seldon.io/svc-name with value {name}"),
                );
            }
        }
        if spec.predictors.is_empty() {
            rules.webhook(spec_path(), transport, "Graph contains no predictors");
        }
    }

    let mut names = BTreeSet::new();
    let mut endpoint_types = BTreeSet::new();
    for (i, predictor) in spec.predictors.iter().enumerate() {
        if predictor.annotations.contains_key(ANNOTATION_NO_ENGINE)
            && predictor.graph.preorder().len() > 1
        {
            rules.webhook(
                predictor_path(i),
                &predictor.name,
                "Running without engine only valid for single element graphs",
            );
        }
        if !names.insert(predictor.name.as_str()) {
            rules.webhook(
                predictor_path(i),
                &predictor.name,
                "Duplicate predictor name",
            );
        }
        check_units(
            &mut rules,
            UnitCheck {
                config,
                predictor,
                protocol,
            },
            &predictor.graph,
            &predictor_path(i).key("graph"),
        );
        for unit in predictor.graph.preorder() {
            if let Some(r#type) = unit.endpoint.as_ref().and_then(|e| e.r#type) {
                endpoint_types.insert(match r#type {
                    EndpointType::Rest => "REST",
                    EndpointType::Grpc => "GRPC",
                });
            }
        }
    }
    if endpoint_types.len() > 1 {
        rules.webhook(
            spec_path(),
            transport,
            "Multiple endpoint.types found - can only have 1 type in graph. Please use spec.transport",
        );
    } else if let Some(only) = endpoint_types.first()
        && !transport.is_empty()
        && !only.eq_ignore_ascii_case(transport)
    {
        rules.webhook(
            spec_path(),
            transport,
            "Mixed transport types found. Remove graph endpoint.types if transport set at deployment level",
        );
    }

    check_traffic(&mut rules, &spec.predictors, old);
}

fn check_traffic(rules: &mut Rules<'_>, predictors: &[PredictorSpec], old: bool) {
    let first = predictors.first().map_or("", |p| p.name.as_str());
    let counted: Vec<&PredictorSpec> = predictors
        .iter()
        .filter(|p| old || p.shadow != Some(true))
        .collect();
    let sum: i32 = counted.iter().map(|p| p.traffic.unwrap_or(0)).sum();
    let non_shadow = predictors.iter().filter(|p| p.shadow != Some(true)).count();
    if non_shadow > 1 && sum != 100 {
        rules.webhook(
            spec_path(),
            first,
            "Traffic must sum to 100 for multiple predictors",
        );
    }
    if predictors.len() == 1 && sum > 0 && sum < 100 {
        rules.webhook(
            spec_path(),
            first,
            "Traffic must sum be 100 for a single predictor when set",
        );
    }
    if !old {
        let shadows: Vec<&PredictorSpec> = predictors
            .iter()
            .filter(|p| p.shadow == Some(true))
            .collect();
        if shadows.len() > 1 {
            rules.webhook(spec_path(), first, "Multiple shadows are not allowed");
        }
        for shadow in shadows {
            let traffic = shadow.traffic.unwrap_or(0);
            if !(0..=100).contains(&traffic) {
                rules.webhook(
                    spec_path(),
                    &traffic.to_string(),
                    "shadow traffic is illegal, the traffic number should be between [0, 100]",
                );
            }
        }
    }
}

#[derive(Clone, Copy)]
struct UnitCheck<'a> {
    config: &'a OperatorConfig,
    predictor: &'a PredictorSpec,
    protocol: &'a str,
}

/// Graph rules, recursively; child paths append `[i]` with no `.children` (upstream's quirk).
fn check_units(
    rules: &mut Rules<'_>,
    check: UnitCheck<'_>,
    unit: &PredictiveUnit,
    path: &FieldPath,
) {
    let old = check.config.version.is_old();
    let container = check
        .predictor
        .component_specs
        .iter()
        .flat_map(|c| &c.spec.containers)
        .find(|c| c.name == unit.name);
    let implementation = unit.implementation_str();
    let unknown_implementation = implementation
        == PredictiveUnitImplementation::UNKNOWN_IMPLEMENTATION
        || (!old && unit.implementation.is_none());
    if unknown_implementation {
        if container.is_none() {
            rules.webhook(
                path.clone(),
                &unit.name,
                "Can't find container for Predictive Unit",
            );
        }
        if unit.r#type == Some(PredictiveUnitType::UnknownType)
            && unit.methods.as_ref().is_none_or(Vec::is_empty)
        {
            rules.webhook(
                path.clone(),
                &unit.name,
                "Predictive Unit has no implementation methods defined. Change to a known type or add what methods it defines",
            );
        }
    }
    if unit.is_prepack() {
        let exempt = !old && implementation == "HUGGINGFACE_SERVER";
        if unit.model_uri.as_deref().unwrap_or_default().is_empty() && !exempt {
            rules.webhook(
                path.clone(),
                &unit.name,
                "Predictive unit modelUri required when using standalone servers",
            );
        }
        let mut python = vec!["SKLEARN_SERVER", "XGBOOST_SERVER", "MLFLOW_SERVER"];
        if !old {
            python.push("HUGGINGFACE_SERVER");
        }
        if check.protocol == "tensorflow" && python.contains(&implementation) {
            let message = if old {
                format!("Prepackaged server does not handle tendorflow protocol {implementation}")
            } else {
                format!("Prepackaged server does not handle tensorflow protocol {implementation}")
            };
            rules.webhook(path.clone(), &unit.name, message);
        }
        let has_image =
            container.is_some_and(|c| c.image.as_deref().is_some_and(|i| !i.is_empty()));
        if !has_image && check.config.server(implementation).is_none() {
            rules.webhook(
                path.clone(),
                &unit.name,
                format!("No entry in predictors map for {implementation}"),
            );
        }
    }
    if let Some(logger) = &unit.logger
        && logger.mode.as_deref().unwrap_or_default().is_empty()
    {
        rules.webhook(path.clone(), &unit.name, "No logger mode specified");
    }
    for (i, child) in unit.children.iter().enumerate() {
        check_units(rules, check, child, &path.index(i));
    }
}

/// What the API server would reject in the objects the operator creates.
fn kubernetes(sdep: &SeldonDeployment, found: &mut Vec<Violation>) {
    let mut rules = Rules { found };
    let name_path = FieldPath::root().key("metadata").key("name");
    match sdep.metadata.name.as_deref() {
        None | Some("") => rules.add(
            name_path,
            "",
            "Required value: name or generateName is required",
            Origin::Kubernetes,
        ),
        Some(name) if !is_dns_subdomain(name) => rules.add(
            name_path,
            name,
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
            Origin::Kubernetes,
        ),
        Some(_) => {}
    }
    for (i, predictor) in sdep.spec.predictors.iter().enumerate() {
        let svc_name = predictor
            .annotations
            .get(ANNOTATION_SVC_NAME)
            .map(String::as_str);
        let key = predictor_key(sdep.name(), &predictor.name, svc_name);
        if !sdep.name().is_empty() && !is_dns_label(&key) {
            rules.add(
                predictor_path(i).key("name"),
                &predictor.name,
                format!("the predictor Service name `{key}` must be a lowercase RFC 1123 label"),
                Origin::Kubernetes,
            );
        }
        for (j, component) in predictor.component_specs.iter().enumerate() {
            let spec = predictor_path(i).key("componentSpecs").index(j).key("spec");
            let mut seen = BTreeSet::new();
            let all = component
                .spec
                .init_containers
                .iter()
                .map(|c| ("initContainers", c));
            let all = all.chain(component.spec.containers.iter().map(|c| ("containers", c)));
            let mut positions: BTreeMap<&str, usize> = BTreeMap::new();
            for (list, container) in all {
                let k = positions.entry(list).or_default();
                let path = spec.key(list).index(*k).key("name");
                *k += 1;
                if !is_dns_label(&container.name) {
                    rules.add(
                        path,
                        &container.name,
                        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
                        Origin::Kubernetes,
                    );
                } else if !seen.insert(container.name.as_str()) {
                    rules.add(path, &container.name, "Duplicate value", Origin::Kubernetes);
                }
            }
        }
    }
}

/// Checks upstream does not make but whose absence makes the deployment misbehave.
fn local(sdep: &SeldonDeployment, found: &mut Vec<Violation>) {
    let mut rules = Rules { found };
    for (i, predictor) in sdep.spec.predictors.iter().enumerate() {
        // The same unit may appear twice (a model called twice in a chain); two different
        // units may not share a name, since containers and ports are matched by name.
        let mut seen: BTreeMap<String, PredictiveUnit> = BTreeMap::new();
        let root = predictor_path(i).key("graph");
        walk_paths(&predictor.graph, &root, &mut |unit, path| {
            let definition = PredictiveUnit {
                children: Vec::new(),
                ..unit.clone()
            };
            match seen.get(&unit.name) {
                Some(first) if *first != definition => rules.add(
                    path,
                    &unit.name,
                    "another unit of this graph has the same name and a different definition; \
                     units are matched to containers and ports by name",
                    Origin::SeldonLocal,
                ),
                Some(_) => {}
                None => {
                    seen.insert(unit.name.clone(), definition);
                }
            }
        });
    }
}

fn walk_paths(
    unit: &PredictiveUnit,
    path: &FieldPath,
    visit: &mut impl FnMut(&PredictiveUnit, FieldPath),
) {
    visit(unit, path.clone());
    for (i, child) in unit.children.iter().enumerate() {
        walk_paths(child, &path.index(i), visit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdep::{SeldonVersion, load};

    fn check(yaml: &str, version: SeldonVersion) -> Result<Validated, Violations> {
        let sdep = load(yaml, "t.yaml").unwrap().documents.remove(0).sdep;
        validate(sdep, &OperatorConfig::embedded(version))
    }

    fn messages(yaml: &str, version: SeldonVersion) -> Vec<String> {
        check(yaml, version)
            .unwrap_err()
            .violations
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    const HEAD: &str =
        "apiVersion: machinelearning.seldon.io/v1\nkind: SeldonDeployment\nmetadata: {name: s}\n";

    #[test]
    fn a_unit_without_container_or_implementation_is_rejected_with_its_graph_path() {
        let yaml = format!(
            "{HEAD}spec:\n  predictors:\n  - name: p\n    componentSpecs: [{{spec: {{containers: [{{name: a, image: i}}]}}}}]\n    graph: {{name: a, children: [{{name: b}}]}}\n"
        );
        for version in SeldonVersion::ALL {
            assert_eq!(
                messages(&yaml, version),
                [
                    "spec.predictors[0].graph[0]: Invalid value: \"b\": Can't find container for Predictive Unit"
                ]
            );
        }
    }

    #[test]
    fn bad_protocol_transport_and_traffic_are_all_reported_at_once() {
        let yaml = format!(
            "{HEAD}spec:\n  protocol: grpcc\n  transport: tcp\n  predictors:\n  - name: a\n    traffic: 30\n    graph: {{name: m, implementation: SKLEARN_SERVER, modelUri: 'gs://x'}}\n  - name: b\n    traffic: 30\n    graph: {{name: m, implementation: SKLEARN_SERVER, modelUri: 'gs://x'}}\n"
        );
        let found = messages(&yaml, SeldonVersion::V1_18_2);
        assert_eq!(found[0], "spec: Invalid value: \"grpcc\": Invalid protocol");
        assert_eq!(found[1], "spec: Invalid value: \"tcp\": Invalid transport");
        assert_eq!(
            found[2],
            "spec: Invalid value: \"a\": Traffic must sum to 100 for multiple predictors"
        );
        assert_eq!(found.len(), 3);
    }

    #[test]
    fn v2_is_a_protocol_only_from_1_18() {
        let yaml = format!(
            "{HEAD}spec:\n  protocol: v2\n  predictors:\n  - name: p\n    graph: {{name: m, implementation: SKLEARN_SERVER, modelUri: 'gs://x'}}\n"
        );
        assert!(check(&yaml, SeldonVersion::V1_18_2).is_ok());
        assert_eq!(
            messages(&yaml, SeldonVersion::V1_2_1),
            ["spec: Invalid value: \"v2\": Invalid protocol"]
        );
    }

    #[test]
    fn an_unknown_implementation_has_no_entry_in_the_predictors_map() {
        let yaml = format!(
            "{HEAD}spec:\n  predictors:\n  - name: p\n    graph: {{name: m, implementation: PYTORCH_SERVER, modelUri: 'gs://x'}}\n"
        );
        assert_eq!(
            messages(&yaml, SeldonVersion::V1_18_2),
            [
                "spec.predictors[0].graph: Invalid value: \"m\": No entry in predictors map for PYTORCH_SERVER"
            ]
        );
    }

    #[test]
    fn prepackaged_servers_need_a_model_uri_and_the_old_typo_is_kept() {
        let yaml = format!(
            "{HEAD}spec:\n  protocol: tensorflow\n  predictors:\n  - name: p\n    graph: {{name: m, implementation: SKLEARN_SERVER}}\n"
        );
        let found = messages(&yaml, SeldonVersion::V1_2_1);
        assert!(
            found[0].ends_with("Predictive unit modelUri required when using standalone servers")
        );
        assert!(
            found[1]
                .ends_with("Prepackaged server does not handle tendorflow protocol SKLEARN_SERVER")
        );
    }

    #[test]
    fn duplicate_predictor_and_container_names_are_rejected() {
        let yaml = format!(
            "{HEAD}spec:\n  predictors:\n  - name: p\n    traffic: 50\n    componentSpecs: [{{spec: {{containers: [{{name: m, image: i}}, {{name: m, image: j}}]}}}}]\n    graph: {{name: m}}\n  - name: p\n    traffic: 50\n    componentSpecs: [{{spec: {{containers: [{{name: m, image: i}}]}}}}]\n    graph: {{name: m}}\n"
        );
        let found = messages(&yaml, SeldonVersion::V1_18_2);
        assert_eq!(
            found[0],
            "spec.predictors[1]: Invalid value: \"p\": Duplicate predictor name"
        );
        assert!(found[1].starts_with(
            "spec.predictors[0].componentSpecs[0].spec.containers[1].name: Invalid value: \"m\": Duplicate value"
        ));
    }

    #[test]
    fn two_different_units_with_one_name_are_rejected_by_seldon_local() {
        let yaml = format!(
            "{HEAD}spec:\n  predictors:\n  - name: p\n    componentSpecs: [{{spec: {{containers: [{{name: m, image: i}}]}}}}]\n    graph: {{name: m, children: [{{name: m, type: TRANSFORMER}}]}}\n"
        );
        let found = messages(&yaml, SeldonVersion::V1_18_2);
        assert!(
            found[0].starts_with("spec.predictors[0].graph[0]: Invalid value: \"m\": another unit"),
            "{found:?}"
        );
    }

    #[test]
    fn the_same_unit_twice_in_a_chain_is_accepted() {
        let yaml = format!(
            "{HEAD}spec:\n  predictors:\n  - name: p\n    componentSpecs: [{{spec: {{containers: [{{name: m, image: i}}]}}}}]\n    graph: {{name: m, children: [{{name: m}}]}}\n"
        );
        assert!(check(&yaml, SeldonVersion::V1_18_2).is_ok());
    }

    #[test]
    fn a_name_kubernetes_would_refuse_is_rejected() {
        let yaml = "apiVersion: machinelearning.seldon.io/v1\nkind: SeldonDeployment\nmetadata: {name: My_Model}\nspec:\n  predictors:\n  - name: p\n    graph: {name: m, implementation: SKLEARN_SERVER, modelUri: 'gs://x'}\n";
        let found = messages(yaml, SeldonVersion::V1_18_2);
        assert!(found[0].starts_with(
            "metadata.name: Invalid value: \"My_Model\": a lowercase RFC 1123 subdomain"
        ));
    }

    #[test]
    fn a_valid_resource_comes_back_defaulted() {
        let yaml = format!(
            "{HEAD}spec:\n  predictors:\n  - name: p\n    graph: {{name: m, implementation: SKLEARN_SERVER, modelUri: 'gs://x'}}\n"
        );
        let validated = check(&yaml, SeldonVersion::V1_18_2).unwrap();
        assert_eq!(validated.sdep().spec.predictors[0].component_specs.len(), 1);
    }

    /// (version, spec body, expected messages): one row per webhook rule not covered above.
    #[test]
    fn each_webhook_rule_reports_upstreams_message() {
        use SeldonVersion::{V1_2_1 as OLD, V1_18_2 as NEW};
        let model = "graph: {name: m, implementation: SKLEARN_SERVER, modelUri: 'gs://x'}";
        let cases: Vec<(SeldonVersion, String, Vec<&str>)> = vec![
            (NEW, format!("serverType: queue\n  predictors:\n  - name: p\n    {model}"),
                vec!["spec: Invalid value: \"queue\": Invalid serverType"]),
            (NEW, format!("serverType: kafka\n  predictors:\n  - name: p\n    {model}"),
                vec!["spec.predictors[0]: Invalid value: \"p\": For kafka please supply svcOrchSpec envs KAFKA_BROKER, KAFKA_INPUT_TOPIC, KAFKA_OUTPUT_TOPIC"]),
            (NEW, format!("predictors:\n  - name: p\n    shadow: true\n    {model}"),
                vec!["spec.predictors[0]: Invalid value: \"p\": Shadow can not exist as only predictor"]),
            (NEW, format!("predictors:\n  - name: a\n    traffic: 50\n    annotations: {{seldon.io/svc-name: s}}\n    {model}\n  - name: b\n    traffic: 50\n    annotations: {{seldon.io/svc-name: s}}\n    {model}"),
                vec!["spec.predictors[1]: Invalid value: \"s\": Found duplicate service name in seldon.io/svc-name with value s"]),
            (NEW, "predictors: []".to_owned(),
                vec!["spec: Invalid value: \"\": Graph contains no predictors"]),
            (OLD, "predictors:\n  - name: p\n    annotations: {seldon.io/no-engine: 'false'}\n    componentSpecs: [{spec: {containers: [{name: a, image: i}, {name: b, image: i}]}}]\n    graph: {name: a, children: [{name: b}]}".to_owned(),
                vec!["spec.predictors[0]: Invalid value: \"p\": Running without engine only valid for single element graphs"]),
            (OLD, "predictors:\n  - name: p\n    componentSpecs: [{spec: {containers: [{name: m, image: i}]}}]\n    graph: {name: m, type: UNKNOWN_TYPE}".to_owned(),
                vec!["spec.predictors[0].graph: Invalid value: \"m\": Predictive Unit has no implementation methods defined. Change to a known type or add what methods it defines"]),
            (NEW, "predictors:\n  - name: p\n    graph: {name: m, implementation: SKLEARN_SERVER, modelUri: 'gs://x', logger: {url: 'http://l'}}".to_owned(),
                vec!["spec.predictors[0].graph: Invalid value: \"m\": No logger mode specified"]),
            (NEW, "predictors:\n  - name: p\n    graph: {name: m, implementation: SKLEARN_SERVER, modelUri: 'gs://x', endpoint: {type: GRPC}, children: [{name: n, implementation: SKLEARN_SERVER, modelUri: 'gs://x', endpoint: {type: REST}}]}".to_owned(),
                vec!["spec: Invalid value: \"\": Multiple endpoint.types found - can only have 1 type in graph. Please use spec.transport"]),
            (NEW, "transport: rest\n  predictors:\n  - name: p\n    graph: {name: m, implementation: SKLEARN_SERVER, modelUri: 'gs://x', endpoint: {type: GRPC}}".to_owned(),
                vec!["spec: Invalid value: \"rest\": Mixed transport types found. Remove graph endpoint.types if transport set at deployment level"]),
            (OLD, format!("predictors:\n  - name: p\n    traffic: 40\n    {model}"),
                vec!["spec: Invalid value: \"p\": Traffic must sum be 100 for a single predictor when set"]),
            (NEW, format!("predictors:\n  - name: a\n    traffic: 100\n    {model}\n  - name: b\n    shadow: true\n    traffic: 100\n    {model}\n  - name: c\n    shadow: true\n    traffic: 120\n    {model}"),
                vec![
                    "spec: Invalid value: \"a\": Multiple shadows are not allowed",
                    "spec: Invalid value: \"120\": shadow traffic is illegal, the traffic number should be between [0, 100]",
                ]),
            (NEW, "predictors:\n  - name: p\n    graph: {name: m, implementation: HUGGINGFACE_SERVER, parameters: [{name: task, value: text-generation, type: STRING}]}".to_owned(),
                vec![]),
        ];
        for (version, body, expected) in cases {
            let yaml = format!("{HEAD}spec:\n  {body}\n");
            let found: Vec<String> = match check(&yaml, version) {
                Ok(_) => Vec::new(),
                Err(v) => v.violations.iter().map(ToString::to_string).collect(),
            };
            assert_eq!(found, expected, "{version}: {body}");
        }
    }
}
