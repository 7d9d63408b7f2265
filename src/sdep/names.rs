//! Object names, with upstream's 63-character rules: an over-long name becomes `seldon-` plus
//! the MD5 of the full name (`seldondeployment_types.go`), and init container and volume
//! names are cut instead.

use std::fmt::Write as _;

use md5::{Digest, Md5};

/// Kubernetes' limit on label values and DNS labels.
pub const MAX_NAME_LENGTH: usize = 63;

/// MD5 of the text as 32 lowercase hex characters.
#[must_use]
pub fn hash(text: &str) -> String {
    Md5::digest(text.as_bytes())
        .iter()
        .fold(String::with_capacity(32), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

fn hashed_if_long(candidate: String) -> String {
    if candidate.len() > MAX_NAME_LENGTH {
        format!("seldon-{}", hash(&candidate))
    } else {
        candidate
    }
}

/// The `seldon-deployment-id` label value.
#[must_use]
pub fn seldon_id(sdep: &str) -> String {
    hashed_if_long(sdep.to_owned())
}

/// The predictor Service name: `seldon.io/svc-name` if given (as-is), else `<sdep>-<pred>`.
#[must_use]
pub fn predictor_key(sdep: &str, predictor: &str, svc_name: Option<&str>) -> String {
    match svc_name {
        Some(name) => name.to_owned(),
        None => hashed_if_long(format!("{sdep}-{predictor}")),
    }
}

/// The Deployment of componentSpec `index`, named after `component` (metadata name or the
/// container names joined with `-`).
#[must_use]
pub fn deployment_name(sdep: &str, predictor: &str, index: usize, component: &str) -> String {
    hashed_if_long(format!("{sdep}-{predictor}-{index}-{component}"))
}

/// The Service of one unit container.
#[must_use]
pub fn container_service_name(sdep: &str, predictor: &str, container: &str) -> String {
    hashed_if_long(format!("{sdep}-{predictor}-{container}"))
}

/// The separate executor Deployment.
#[must_use]
pub fn svc_orch_name(sdep: &str, predictor: &str) -> String {
    hashed_if_long(format!("{sdep}-{predictor}-svc-orch"))
}

/// The explainer Deployment and Service.
#[must_use]
pub fn explainer_name(sdep: &str, predictor: &str) -> String {
    hashed_if_long(format!("{sdep}-{predictor}-explainer"))
}

/// Cuts a name to 63 bytes, then drops one trailing `-` (init containers and volumes).
#[must_use]
pub fn cut(name: &str) -> String {
    let mut end = name.len().min(MAX_NAME_LENGTH);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    let cut = &name[..end];
    cut.strip_suffix('-').unwrap_or(cut).to_owned()
}

/// The storage initializer init container of a container.
#[must_use]
pub fn initializer_name(container: &str) -> String {
    cut(&format!("{container}-model-initializer"))
}

/// The model volume of a container.
#[must_use]
pub fn provision_volume_name(container: &str) -> String {
    cut(&format!("{container}-provision-location"))
}

/// Whether `name` is an RFC 1123 label (container names, Service names).
#[must_use]
pub fn is_dns_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_LENGTH
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// Whether `name` is an RFC 1123 subdomain (object names).
#[must_use]
pub fn is_dns_subdomain(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !part.starts_with('-')
                && !part.ends_with('-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_kept() {
        assert_eq!(
            deployment_name("tfserving", "default", 0, "mnist-model"),
            "tfserving-default-0-mnist-model"
        );
        assert_eq!(
            container_service_name("tfserving", "default", "mnist-model"),
            "tfserving-default-mnist-model"
        );
    }

    #[test]
    fn long_names_become_seldon_plus_the_md5_of_the_full_name() {
        let sdep = "a".repeat(60);
        let name = container_service_name(&sdep, "p", "c");
        assert_eq!(name, format!("seldon-{}", hash(&format!("{sdep}-p-c"))));
        assert_eq!(name.len(), 39);
    }

    #[test]
    fn md5_is_lowercase_hex() {
        assert_eq!(hash(""), "d41d8cd98f00b204e9800998ecf8427e");
    }

    #[test]
    fn a_63_character_name_is_not_hashed() {
        let sdep = "b".repeat(63);
        assert_eq!(seldon_id(&sdep), sdep);
        assert!(seldon_id(&format!("{sdep}x")).starts_with("seldon-"));
    }

    #[test]
    fn initializer_names_are_cut_and_lose_a_trailing_dash() {
        let container = "c".repeat(56);
        let name = initializer_name(&container);
        assert_eq!(name, format!("{container}-model"));
        assert_eq!(initializer_name("tfserving"), "tfserving-model-initializer");
    }

    #[test]
    fn dns_names_are_checked() {
        assert!(is_dns_label("mnist-model"));
        assert!(!is_dns_label("Mnist"));
        assert!(!is_dns_label("-a"));
        assert!(is_dns_subdomain("a.b-c"));
        assert!(!is_dns_subdomain("a..b"));
    }
}
