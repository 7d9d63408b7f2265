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
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

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

/// Serves `root` on `listener` (over TLS with `tls`) until `shutdown` resolves, with
/// [`crate::http`]'s header, idle and (for TLS) handshake timeouts.
pub async fn serve<F>(
    root: PathBuf,
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    shutdown: F,
) -> Result<(), FileServerError>
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    serve_with(root, listener, tls, crate::http::HEADER_TIMEOUT, shutdown).await
}

/// [`serve`] with the given header, idle and handshake timeout.
pub async fn serve_with<F>(
    root: PathBuf,
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    timeout: std::time::Duration,
    shutdown: F,
) -> Result<(), FileServerError>
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let router = router(root);
    match tls {
        None => crate::http::serve_with(listener, router, timeout, shutdown).await?,
        Some(acceptor) => {
            crate::http::serve_tls(listener, router, acceptor, timeout, shutdown).await?;
        }
    }
    Ok(())
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

    fn self_signed() -> TlsAcceptor {
        let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
        let key =
            rustls::pki_types::PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der());
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![certified.cert.der().clone()], key.into())
            .unwrap();
        TlsAcceptor::from(Arc::new(config))
    }

    /// Clients that open a connection and send nothing, or stop half-way through their
    /// `ClientHello`, neither stop another client from being served nor are held open past
    /// the handshake timeout.
    #[tokio::test]
    async fn stalled_tls_handshakes_neither_block_others_nor_stay_open() -> anyhow::Result<()> {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let root = tempfile::tempdir()?;
        std::fs::write(root.path().join("model.bin"), b"weights")?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let timeout = std::time::Duration::from_secs(2);
        tokio::spawn(serve_with(
            root.path().to_owned(),
            listener,
            Some(self_signed()),
            timeout,
            std::future::pending(),
        ));
        let mut silent = tokio::net::TcpStream::connect(addr).await?;
        let mut half = tokio::net::TcpStream::connect(addr).await?;
        // A handshake record announcing 512 bytes, of which only the first few come.
        half.write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01])
            .await?;
        let client = reqwest::Client::builder()
            .tls_danger_accept_invalid_certs(true)
            .build()?;
        let asked = std::time::Instant::now();
        let fetch = async {
            client
                .get(format!("https://{addr}/model.bin"))
                .send()
                .await?
                .bytes()
                .await
        };
        // Bounded, so that a server stalled for good fails the test instead of hanging it.
        let body = tokio::time::timeout(std::time::Duration::from_secs(10), fetch).await??;
        assert_eq!(&body[..], b"weights");
        assert!(
            asked.elapsed() < timeout,
            "served only after {:?}, behind the stalled handshakes",
            asked.elapsed()
        );
        for (name, stream) in [("silent", &mut silent), ("half", &mut half)] {
            let mut rest = Vec::new();
            // Closed by the server (EOF or reset), well before this test's own bound.
            let read = tokio::time::timeout(
                std::time::Duration::from_secs(6),
                stream.read_to_end(&mut rest),
            )
            .await;
            assert!(read.is_ok(), "the {name} connection was held open");
        }
        Ok(())
    }
}
