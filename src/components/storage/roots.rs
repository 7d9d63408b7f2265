//! The certificate authorities every storage client trusts.
//!
//! Mozilla's root program, as the rustls project packages it (`webpki-root-certs`), is
//! compiled in, so a fetch works the same on a host with a CA bundle, in seldon-local's image
//! (which has no files besides the binary) and on a distribution without one. The clients
//! keep the system's verifier (`rustls-platform-verifier`), which adds the system's store to
//! these roots; that store honours `SSL_CERT_FILE` and `SSL_CERT_DIR`, which is how a private
//! CA is added (the file is added to the compiled-in roots, not put in their place).
//!
//! Why compiled in rather than the host's bundle copied into the image: the image is built
//! from the running binary on hosts that may have no bundle (or an unusual path for it), and
//! the embedded runtime needs the same roots; one maintained set, pinned by `Cargo.lock`,
//! gives both.

use std::sync::LazyLock;

/// The compiled-in roots, DER.
fn der() -> impl Iterator<Item = &'static [u8]> {
    webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(AsRef::as_ref)
}

static REQWEST: LazyLock<Vec<reqwest::Certificate>> = LazyLock::new(|| {
    der()
        .filter_map(|d| reqwest::Certificate::from_der(d).ok())
        .collect()
});

static OBJECT_STORE: LazyLock<Vec<object_store::Certificate>> = LazyLock::new(|| {
    der()
        .filter_map(|d| object_store::Certificate::from_der(d).ok())
        .collect()
});

/// The roots for a `reqwest` client (`tls_certs_merge`).
pub(crate) fn for_reqwest() -> Vec<reqwest::Certificate> {
    REQWEST.clone()
}

/// `options` trusting the compiled-in roots too.
pub(crate) fn for_object_store(
    options: object_store::ClientOptions,
) -> object_store::ClientOptions {
    OBJECT_STORE
        .iter()
        .cloned()
        .fold(options, object_store::ClientOptions::with_root_certificate)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_compiled_in_root_is_usable() {
        let count = webpki_root_certs::TLS_SERVER_ROOT_CERTS.len();
        assert!(count > 100, "{count}");
        assert_eq!(super::for_reqwest().len(), count);
        assert_eq!(super::OBJECT_STORE.len(), count);
    }
}
