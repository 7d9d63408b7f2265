//! PURE: `--registry HOST[:PORT][/PREFIX]`, the mirror an air-gapped site pulls every upstream
//! image from.
//!
//! A reference is `[REGISTRY/]PATH[:TAG][@DIGEST]`, its first component being a registry when
//! it holds a `.` or a `:` or is `localhost` (Docker's rule). The mirror replaces the registry
//! and keeps the path, tag and digest, so a mirror holds the images under the paths their own
//! registry gives them:
//!
//! | reference | with `--registry mirror.local:5000` |
//! |---|---|
//! | `seldonio/sklearnserver:1.18.2` | `mirror.local:5000/seldonio/sklearnserver:1.18.2` |
//! | `docker.io/seldonio/sklearnserver:1.18.2` | `mirror.local:5000/seldonio/sklearnserver:1.18.2` |
//! | `busybox:1.36` (Docker Hub's `library/busybox`) | `mirror.local:5000/library/busybox:1.36` |
//! | `docker.io/library/busybox` | `mirror.local:5000/library/busybox` |
//! | `nvcr.io/nvidia/tritonserver:23.05-py3` | `mirror.local:5000/nvidia/tritonserver:23.05-py3` |
//! | `mirror.local:5000/me/model:1` | unchanged (already on the mirror) |
//!
//! Docker Hub's official images get their implicit `library/`, as a pull-through cache
//! (`registry` with `proxy.remoteurl`) and `docker push` of a re-tagged image both store them.

/// Docker Hub's names for itself.
const DOCKER_HUB: &[&str] = &["docker.io", "index.docker.io", "registry-1.docker.io"];

/// The registry a reference names, if it names one, and the rest of it.
fn split_registry(image: &str) -> (Option<&str>, &str) {
    match image.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (Some(first), rest)
        }
        _ => (None, image),
    }
}

/// `image` as pulled from `registry` (`HOST[:PORT]`, optionally followed by `/PREFIX`).
#[must_use]
pub fn mirror(image: &str, registry: &str) -> String {
    let registry = registry.trim_end_matches('/');
    let mirror_host = registry.split('/').next().unwrap_or(registry);
    let (host, path) = split_registry(image);
    if host.is_some_and(|h| h.eq_ignore_ascii_case(mirror_host)) {
        return image.to_owned();
    }
    let hub = host.is_none_or(|h| DOCKER_HUB.contains(&h.to_ascii_lowercase().as_str()));
    let name_end = path.find(['@', ':']).unwrap_or(path.len());
    if hub && !path[..name_end].contains('/') {
        format!("{registry}/library/{path}")
    } else {
        format!("{registry}/{path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: &str = "mirror.local:5000";

    #[test]
    fn docker_hub_images_keep_their_path_under_the_mirror() {
        assert_eq!(
            mirror("seldonio/sklearnserver:1.18.2", M),
            "mirror.local:5000/seldonio/sklearnserver:1.18.2"
        );
        assert_eq!(
            mirror("docker.io/seldonio/sklearnserver:1.18.2", M),
            "mirror.local:5000/seldonio/sklearnserver:1.18.2"
        );
        assert_eq!(
            mirror("tensorflow/serving:2.1.0", "127.0.0.1:5000"),
            "127.0.0.1:5000/tensorflow/serving:2.1.0"
        );
    }

    #[test]
    fn official_images_get_the_library_prefix_once() {
        assert_eq!(
            mirror("busybox:1.36", M),
            "mirror.local:5000/library/busybox:1.36"
        );
        assert_eq!(mirror("busybox", M), "mirror.local:5000/library/busybox");
        assert_eq!(
            mirror("docker.io/library/busybox", M),
            "mirror.local:5000/library/busybox"
        );
        assert_eq!(
            mirror("index.docker.io/busybox@sha256:abc", M),
            "mirror.local:5000/library/busybox@sha256:abc"
        );
    }

    #[test]
    fn other_registries_are_replaced_by_the_mirror() {
        assert_eq!(
            mirror("nvcr.io/nvidia/tritonserver:23.05-py3", M),
            "mirror.local:5000/nvidia/tritonserver:23.05-py3"
        );
        assert_eq!(
            mirror("localhost/me/model", M),
            "mirror.local:5000/me/model"
        );
        assert_eq!(
            mirror("quay.io/me/model:1@sha256:abc", M),
            "mirror.local:5000/me/model:1@sha256:abc"
        );
    }

    #[test]
    fn images_already_on_the_mirror_are_unchanged() {
        assert_eq!(
            mirror("mirror.local:5000/me/model:1", M),
            "mirror.local:5000/me/model:1"
        );
        assert_eq!(
            mirror("mirror.local:5000/me/model:1", "mirror.local:5000/team/"),
            "mirror.local:5000/me/model:1"
        );
    }

    #[test]
    fn a_prefix_on_the_mirror_goes_before_the_path() {
        assert_eq!(
            mirror("seldonio/tfserving-proxy:1.18.2", "mirror.local/dockerhub/"),
            "mirror.local/dockerhub/seldonio/tfserving-proxy:1.18.2"
        );
    }
}
