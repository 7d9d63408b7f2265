//! A read-only file server over one directory, on HTTP or HTTPS: the hidden
//! `component serve-files` role. It stands in for a model registry on a deployment's network,
//! so `http(s)://` model URIs (and a private CA) can be tried on Docker with nothing pulled.
//!
//! `GET`/`HEAD /<relative path>` answers the file with its length; paths with `..`, absolute
//! or empty segments, directories and missing files are 404. It must not print or read the
//! environment.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use tokio::io::AsyncReadExt as _;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum FileServerError {
    /// The certificate or key could not be read or used.
    #[error("failed to load the TLS certificate `{}` and key `{}`", cert.display(), key.display())]
    Tls {
        /// The certificate chain (PEM).
        cert: PathBuf,
        /// The private key (PEM).
        key: PathBuf,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Serving failed.
    #[error(transparent)]
    Serve(#[from] crate::http::HttpError),
}

/// The routes: every path is a file under `root`.
pub fn router(root: PathBuf) -> Router {
    Router::new().fallback(file).with_state(Arc::new(root))
}

async fn file(State(root): State<Arc<PathBuf>>, uri: Uri) -> Response {
    let Some(path) = inside(&root, uri.path()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Ok(opened) = tokio::fs::File::open(&path).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Ok(meta) = opened.metadata().await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !meta.is_file() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let chunks = stream::unfold(Some(opened), |state| async move {
        let mut file = state?;
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(bytes::Bytes::from(buf)), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    });
    Response::builder()
        .header(header::CONTENT_LENGTH, meta.len())
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(Body::from_stream(chunks))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// `root` joined with a request path made only of normal components.
fn inside(root: &Path, request: &str) -> Option<PathBuf> {
    let decoded = percent_decode(request.strip_prefix('/').unwrap_or(request))?;
    let relative = Path::new(&decoded);
    if decoded.is_empty()
        || decoded.split('/').any(str::is_empty)
        || !relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
    {
        return None;
    }
    Some(root.join(relative))
}

fn percent_decode(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A TLS acceptor from PEM files: the certificate chain (leaf first) and its private key.
pub fn tls_acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor, FileServerError> {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let fail = |source: Box<dyn std::error::Error + Send + Sync>| FileServerError::Tls {
        cert: cert.to_owned(),
        key: key.to_owned(),
        source,
    };
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|e| fail(e.into()))?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| fail(e.into()))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| fail(e.into()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| fail(e.into()))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Serves `root` on `listener` (over TLS with `tls`) until `shutdown` resolves.
pub async fn serve<F>(
    root: PathBuf,
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    shutdown: F,
) -> Result<(), FileServerError>
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let router = router(root);
    match tls {
        None => Ok(crate::http::serve(listener, router, shutdown).await?),
        Some(acceptor) => axum::serve(TlsListener { listener, acceptor }, router)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(|e| FileServerError::Serve(crate::http::HttpError::Serve(e))),
    }
}

/// TCP connections that completed a TLS handshake; failed handshakes are dropped.
struct TlsListener {
    listener: TcpListener,
    acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, addr)) = self.listener.accept().await else {
                continue;
            };
            // A client that refuses our certificate is the point of some tests: skip it.
            if let Ok(tls) = self.acceptor.accept(tcp).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_served() {
        let root = Path::new("/srv");
        assert_eq!(
            inside(root, "/a/b.tar.gz"),
            Some(PathBuf::from("/srv/a/b.tar.gz"))
        );
        assert_eq!(inside(root, "/a%20b"), Some(PathBuf::from("/srv/a b")));
        for bad in [
            "/",
            "/../etc/passwd",
            "/a/../../x",
            "/%2e%2e/x",
            "//etc/passwd",
            "/a//b",
        ] {
            assert_eq!(inside(root, bad), None, "{bad}");
        }
    }
}
