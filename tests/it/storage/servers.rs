//! Real servers on 127.0.0.1:0 for the storage tests: a plain HTTP file server with
//! misbehaving routes, an S3 server (`s3s-fs`, in process) and a GCS XML-API fake.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use md5::{Digest, Md5};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A server task, aborted when dropped.
pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Server {
    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A parsed request: method, path (with query) and lower-cased headers.
pub(crate) struct Request {
    path: String,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

impl Request {
    fn path_and_query(&self) -> (&str, BTreeMap<String, String>) {
        let (path, query) = self.path.split_once('?').unwrap_or((&self.path, ""));
        let query = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        (path, query)
    }

    /// `Range: bytes=N-` or `bytes=N-M` → (N, M).
    fn range(&self) -> Option<(usize, Option<usize>)> {
        let value = self.headers.get("range")?;
        let (start, end) = value.strip_prefix("bytes=")?.split_once('-')?;
        Some((start.parse().ok()?, end.parse().ok()))
    }

    fn range_start(&self) -> Option<usize> {
        self.range().map(|(start, _)| start)
    }
}

/// A response; with `drop_after`, the connection is closed after that many body bytes
/// although `Content-Length` promised all of them.
pub(crate) struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Bytes,
    drop_after: Option<usize>,
    /// After `drop_after` bytes, keep the connection open and send nothing more.
    stall: bool,
}

impl Reply {
    fn status(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: vec![],
            body: Bytes::from(body.to_owned()),
            drop_after: None,
            stall: false,
        }
    }
}

type Handler = Arc<dyn Fn(Request) -> BoxFuture<'static, Reply> + Send + Sync>;

/// A minimal HTTP/1.1 server, one request per connection. Hand-written rather than axum or
/// hyper so a response can be cut at an exact byte after headers and data were flushed.
async fn serve(handler: Handler) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                continue;
            };
            let handler = handler.clone();
            tokio::spawn(async move {
                let _ = handle(socket, handler).await;
            });
        }
    });
    Server { addr, task }
}

async fn handle<S>(socket: S, handler: Handler) -> std::io::Result<()>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut reader = BufReader::new(socket);
    let mut line = String::new();
    reader.read_line(&mut line).await?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let mut headers = BTreeMap::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).await? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    let length = headers
        .get("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    tokio::io::AsyncReadExt::read_exact(&mut reader, &mut body).await?;
    let reply = handler(Request {
        path,
        headers,
        body,
    })
    .await;
    let mut head = format!("HTTP/1.1 {} X\r\nconnection: close\r\n", reply.status);
    let _ = write!(head, "content-length: {}\r\n", reply.body.len());
    for (name, value) in &reply.headers {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    head.push_str("\r\n");
    let mut socket = reader.into_inner();
    socket.write_all(head.as_bytes()).await?;
    if method != "HEAD" {
        let end = reply
            .drop_after
            .unwrap_or(reply.body.len())
            .min(reply.body.len());
        socket.write_all(&reply.body[..end]).await?;
    }
    socket.flush().await?;
    if reply.stall {
        std::future::pending::<()>().await;
    }
    socket.shutdown().await
}

fn md5_hex(data: &[u8]) -> String {
    Md5::digest(data).iter().fold(String::new(), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    })
}

fn md5_b64(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(Md5::digest(data))
}

/// Serves `data` honouring `Range` (unless told not to), cut after `drop_after` bytes.
fn file_reply(
    data: &Bytes,
    request: &Request,
    honour_range: bool,
    drop_after: Option<usize>,
    extra: Vec<(String, String)>,
) -> Reply {
    let range = if honour_range { request.range() } else { None };
    let mut headers = extra;
    headers.push(("accept-ranges".into(), "bytes".into()));
    let Some((start, end)) = range else {
        return Reply {
            status: 200,
            headers,
            body: data.clone(),
            drop_after,
            stall: false,
        };
    };
    let end = end.unwrap_or(data.len() - 1).min(data.len() - 1);
    headers.push((
        "content-range".into(),
        format!("bytes {start}-{end}/{}", data.len()),
    ));
    Reply {
        status: 206,
        headers,
        body: data.slice(start..=end),
        drop_after,
        stall: false,
    }
}

/// The plain HTTP server and what it has seen.
pub(crate) struct HttpFiles {
    pub(crate) server: Server,
    pub(crate) state: Arc<HttpState>,
}

pub(crate) struct HttpState {
    files: BTreeMap<String, Bytes>,
    /// Requests per path.
    pub(crate) hits: std::sync::Mutex<BTreeMap<String, Vec<Option<usize>>>>,
}

impl HttpState {
    pub(crate) fn ranges(&self, path: &str) -> Vec<Option<usize>> {
        self.hits
            .lock()
            .unwrap()
            .get(path)
            .cloned()
            .unwrap_or_default()
    }
}

/// Routes (all files are given by the test):
/// - `/files/<name>`: the file with `Content-MD5`;
/// - `/flaky/<name>`: the first response breaks after half the file, later ones honour `Range`;
/// - `/no-range/<name>`: like `flaky` but always answers from byte 0;
/// - `/broken/<name>`: every response breaks after half the file;
/// - `/grows/<name>`: like `flaky`, but the resumed response belongs to a longer file;
/// - `/stall/<name>`: the first response stops sending after half the file but stays open;
/// - `/bad-md5/<name>`: announces a wrong `Content-MD5`;
/// - `/status/<code>/<name>`: answers with that status.
pub(crate) async fn http_files(files: &[(&str, Vec<u8>)]) -> HttpFiles {
    let state = Arc::new(HttpState {
        files: files
            .iter()
            .map(|(n, d)| ((*n).to_owned(), Bytes::from(d.clone())))
            .collect(),
        hits: std::sync::Mutex::default(),
    });
    let shared = state.clone();
    let handler: Handler = Arc::new(move |request| {
        let state = shared.clone();
        Box::pin(async move { http_file(&state, &request) })
    });
    HttpFiles {
        server: serve(handler).await,
        state,
    }
}

fn http_file(state: &HttpState, request: &Request) -> Reply {
    let (path, _) = request.path_and_query();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    if let ["status", code, _] = segments.as_slice() {
        return Reply::status(code.parse().unwrap(), "");
    }
    let [mode, name] = segments.as_slice() else {
        return Reply::status(404, "");
    };
    let Some(data) = state.files.get(*name) else {
        return Reply::status(404, "");
    };
    let previous = {
        let mut hits = state.hits.lock().unwrap();
        let seen = hits.entry(path.to_owned()).or_default();
        seen.push(request.range_start());
        seen.len() - 1
    };
    let half = data.len() / 2;
    let md5 = vec![("content-md5".to_owned(), md5_b64(data))];
    match *mode {
        "files" => file_reply(data, request, true, None, md5),
        "flaky" => file_reply(data, request, true, (previous == 0).then_some(half), md5),
        "no-range" => file_reply(data, request, false, (previous == 0).then_some(half), md5),
        // Half of whatever this response carries, so it never completes.
        "broken" => {
            let rest = data.len() - request.range_start().unwrap_or(0);
            file_reply(data, request, true, Some(rest / 2), md5)
        }
        // Breaks halfway; the resumed range then reports a file twice as long.
        "grows" if previous == 0 => file_reply(data, request, true, Some(half), md5),
        "grows" => {
            let doubled: Bytes = [data.as_ref(), data.as_ref()].concat().into();
            file_reply(&doubled, request, true, None, vec![])
        }
        "stall" => {
            let mut reply = file_reply(data, request, true, (previous == 0).then_some(half), md5);
            reply.stall = previous == 0;
            reply
        }
        "bad-md5" => file_reply(
            data,
            request,
            true,
            None,
            vec![("content-md5".into(), md5_b64(b"x"))],
        ),
        _ => Reply::status(404, ""),
    }
}

/// [`http_files`] over TLS with a certificate for `127.0.0.1` issued by a fresh private CA;
/// returns the CA's PEM, which a client must be given to trust the server.
pub(crate) async fn https_files(files: &[(&str, Vec<u8>)]) -> (HttpFiles, String) {
    let state = Arc::new(HttpState {
        files: files
            .iter()
            .map(|(n, d)| ((*n).to_owned(), Bytes::from(d.clone())))
            .collect(),
        hits: std::sync::Mutex::default(),
    });
    let (ca_pem, acceptor) = private_ca_acceptor();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shared = state.clone();
    let task = tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                continue;
            };
            let (acceptor, state) = (acceptor.clone(), shared.clone());
            tokio::spawn(async move {
                let Ok(stream) = acceptor.accept(socket).await else {
                    return;
                };
                let handler: Handler = Arc::new(move |request| {
                    let state = state.clone();
                    Box::pin(async move { http_file(&state, &request) })
                });
                let _ = handle(stream, handler).await;
            });
        }
    });
    (
        HttpFiles {
            server: Server { addr, task },
            state,
        },
        ca_pem,
    )
}

/// A CA and a leaf for `127.0.0.1` signed by it: (the CA's PEM, an acceptor serving the leaf).
fn private_ca_acceptor() -> (String, tokio_rustls::TlsAcceptor) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::from_params(&ca_params, &ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let key = rustls::pki_types::PrivatePkcs8KeyDer::from(leaf_key.serialize_der());
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone(), ca.der().clone()], key.into())
        .unwrap();
    (ca.pem(), tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// An S3 server (`s3s-fs`) storing buckets as directories under `root`, requiring the given
/// access key and secret; over TLS with a fresh self-signed certificate when `tls` is set.
pub(crate) async fn s3(root: &Path, access_key: &str, secret_key: &str) -> Server {
    s3_server(root, access_key, secret_key, false).await
}

/// [`s3`] over TLS with a self-signed certificate for `127.0.0.1`.
pub(crate) async fn s3_tls(root: &Path, access_key: &str, secret_key: &str) -> Server {
    s3_server(root, access_key, secret_key, true).await
}

async fn s3_server(root: &Path, access_key: &str, secret_key: &str, tls: bool) -> Server {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto::Builder;
    let fs = s3s_fs::FileSystem::new(root).unwrap();
    let mut builder = s3s::service::S3ServiceBuilder::new(fs);
    builder.set_auth(s3s::auth::SimpleAuth::from_single(access_key, secret_key));
    let service = builder.build();
    let acceptor = tls.then(tls_acceptor);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                continue;
            };
            let service = service.clone();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let http = Builder::new(TokioExecutor::new());
                let _ = match acceptor {
                    Some(acceptor) => {
                        let Ok(stream) = acceptor.accept(socket).await else {
                            return;
                        };
                        http.serve_connection(TokioIo::new(stream), service).await
                    }
                    None => http.serve_connection(TokioIo::new(socket), service).await,
                };
            });
        }
    });
    Server { addr, task }
}

fn tls_acceptor() -> tokio_rustls::TlsAcceptor {
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let key = rustls::pki_types::PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der());
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key.into())
        .unwrap();
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

/// A GCS fake speaking the XML API `object_store` uses: `GET /<bucket>?list-type=2&prefix=…`
/// and `GET|HEAD /<bucket>/<key>` with `ETag`, `Last-Modified` and ranges.
///
/// Buckets: any name in `objects`; `private` answers 403 to everything; objects whose key
/// contains `flaky` break the first response halfway; in bucket `parallel` every object
/// request waits until `parallel_width` of them are in flight (proving parallel downloads).
pub(crate) struct Gcs {
    pub(crate) server: Server,
    pub(crate) state: Arc<GcsState>,
}

pub(crate) struct GcsState {
    objects: BTreeMap<String, BTreeMap<String, Bytes>>,
    flaky_served: AtomicUsize,
    mutating_served: AtomicUsize,
    /// Object reads as (key, range start).
    pub(crate) reads: std::sync::Mutex<Vec<(String, Option<usize>)>>,
    barrier: tokio::sync::Barrier,
    pub(crate) requests: AtomicUsize,
}

pub(crate) async fn gcs(objects: &[(&str, &str, Vec<u8>)], parallel_width: usize) -> Gcs {
    let mut buckets: BTreeMap<String, BTreeMap<String, Bytes>> = BTreeMap::new();
    for (bucket, key, data) in objects {
        buckets
            .entry((*bucket).to_owned())
            .or_default()
            .insert((*key).to_owned(), Bytes::from(data.clone()));
    }
    let state = Arc::new(GcsState {
        objects: buckets,
        flaky_served: AtomicUsize::new(0),
        mutating_served: AtomicUsize::new(0),
        reads: std::sync::Mutex::default(),
        barrier: tokio::sync::Barrier::new(parallel_width),
        requests: AtomicUsize::new(0),
    });
    let shared = state.clone();
    let handler: Handler = Arc::new(move |request| {
        let state = shared.clone();
        Box::pin(async move { gcs_request(&state, &request).await })
    });
    Gcs {
        server: serve(handler).await,
        state,
    }
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

async fn gcs_request(state: &GcsState, request: &Request) -> Reply {
    state.requests.fetch_add(1, Ordering::SeqCst);
    let (path, query) = request.path_and_query();
    let path = url::form_urlencoded::parse(format!("p={}", path.replace('+', "%2B")).as_bytes())
        .next()
        .unwrap()
        .1
        .into_owned();
    let (bucket, key) = path
        .trim_start_matches('/')
        .split_once('/')
        .unwrap_or((&path[1..], ""));
    if bucket == "private" {
        return Reply::status(403, "<Error><Code>AccessDenied</Code></Error>");
    }
    let Some(objects) = state.objects.get(bucket) else {
        return Reply::status(404, "<Error><Code>NoSuchBucket</Code></Error>");
    };
    if key.is_empty() {
        return gcs_list(
            bucket,
            objects,
            query.get("prefix").map_or("", String::as_str),
        );
    }
    let Some(data) = objects.get(key) else {
        return Reply::status(404, "");
    };
    state
        .reads
        .lock()
        .unwrap()
        .push((key.to_owned(), request.range_start()));
    if bucket == "parallel" {
        let deadline = Duration::from_secs(10);
        if tokio::time::timeout(deadline, state.barrier.wait())
            .await
            .is_err()
        {
            return Reply::status(400, "downloads were not parallel");
        }
    }
    if key.contains("mutating") {
        return mutating_object(state, request, data);
    }
    let drop_after = (key.contains("flaky")
        && state.flaky_served.fetch_add(1, Ordering::SeqCst) == 0)
        .then_some(data.len() / 2);
    let extra = vec![
        ("etag".to_owned(), format!("\"{}\"", md5_hex(data))),
        (
            "last-modified".to_owned(),
            "Mon, 01 Jan 2024 00:00:00 GMT".to_owned(),
        ),
    ];
    file_reply(data, request, true, drop_after, extra)
}

/// An object that is replaced while it is being read: the first read gets version A and
/// breaks halfway; from then on the object is version B (A reversed) and reads that name A's
/// ETag in `If-Match` get 412, as GCS and S3 answer.
fn mutating_object(state: &GcsState, request: &Request, a: &Bytes) -> Reply {
    let etag = |data: &[u8]| format!("\"{}\"", md5_hex(data));
    let headers = |data: &[u8]| {
        vec![
            ("etag".to_owned(), etag(data)),
            (
                "last-modified".to_owned(),
                "Mon, 01 Jan 2024 00:00:00 GMT".to_owned(),
            ),
        ]
    };
    if state.mutating_served.fetch_add(1, Ordering::SeqCst) == 0 {
        return file_reply(a, request, true, Some(a.len() / 2), headers(a));
    }
    let b: Bytes = a.iter().rev().copied().collect::<Vec<u8>>().into();
    if request
        .headers
        .get("if-match")
        .is_some_and(|m| *m != etag(&b))
    {
        return Reply::status(412, "<Error><Code>PreconditionFailed</Code></Error>");
    }
    file_reply(&b, request, true, None, headers(&b))
}

fn gcs_list(bucket: &str, objects: &BTreeMap<String, Bytes>, prefix: &str) -> Reply {
    let mut contents = String::new();
    for (key, data) in objects.iter().filter(|(key, _)| key.starts_with(prefix)) {
        let _ = write!(
            contents,
            "<Contents><Key>{}</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified>\
             <ETag>\"{}\"</ETag><Size>{}</Size></Contents>",
            xml_escape(key),
            md5_hex(data),
            data.len()
        );
    }
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <ListBucketResult xmlns=\"http://doc.s3.amazonaws.com/2006-03-01\">\
         <Name>{bucket}</Name><Prefix>{}</Prefix><IsTruncated>false</IsTruncated>\
         {contents}</ListBucketResult>",
        xml_escape(prefix)
    );
    let mut reply = Reply::status(200, &body);
    reply
        .headers
        .push(("content-type".into(), "application/xml".into()));
    reply
}

/// An Azure Blob Storage fake (the REST calls `object_store` makes) with a Microsoft Entra
/// token endpoint: `POST /<tenant>/oauth2/v2.0/token` grants `AZURE_TOKEN` for
/// `client_secret`; container `private` needs that token, `public` is anonymous.
pub(crate) async fn azure(blobs: &[(&str, &str, Vec<u8>)], client_secret: &str) -> Server {
    let mut containers: BTreeMap<String, BTreeMap<String, Bytes>> = BTreeMap::new();
    for (container, name, data) in blobs {
        containers
            .entry((*container).to_owned())
            .or_default()
            .insert((*name).to_owned(), Bytes::from(data.clone()));
    }
    let containers = Arc::new(containers);
    let secret = client_secret.to_owned();
    let handler: Handler = Arc::new(move |request| {
        let reply = azure_request(&containers, &secret, &request);
        Box::pin(async move { reply })
    });
    serve(handler).await
}

const AZURE_TOKEN: &str = "entra-token-for-tests";

fn azure_request(
    containers: &BTreeMap<String, BTreeMap<String, Bytes>>,
    secret: &str,
    request: &Request,
) -> Reply {
    let (path, query) = request.path_and_query();
    if path.ends_with("/oauth2/v2.0/token") {
        let form: BTreeMap<String, String> = url::form_urlencoded::parse(&request.body)
            .into_owned()
            .collect();
        if form.get("client_secret").map(String::as_str) != Some(secret) {
            return Reply::status(401, r#"{"error":"invalid_client"}"#);
        }
        let body = format!(
            r#"{{"access_token":"{AZURE_TOKEN}","expires_in":3600,"token_type":"Bearer"}}"#
        );
        return Reply::status(200, &body);
    }
    let path = path.trim_start_matches('/');
    let (container, name) = path.split_once('/').unwrap_or((path, ""));
    let authorized = request.headers.get("authorization").map(String::as_str)
        == Some(&format!("Bearer {AZURE_TOKEN}"));
    if container == "private" && !authorized {
        return Reply::status(403, "<Error><Code>AuthorizationFailure</Code></Error>");
    }
    let Some(blobs) = containers.get(container) else {
        return Reply::status(404, "<Error><Code>ContainerNotFound</Code></Error>");
    };
    if name.is_empty() {
        let prefix = query.get("prefix").map_or("", String::as_str);
        let mut listing = String::new();
        for (name, data) in blobs.iter().filter(|(n, _)| n.starts_with(prefix)) {
            let _ = write!(
                listing,
                "<Blob><Name>{}</Name><Properties><Last-Modified>Mon, 01 Jan 2024 00:00:00 GMT\
                 </Last-Modified><Etag>0x8DC0000000000{}</Etag><Content-Length>{}</Content-Length>\
                 <Content-Type>application/octet-stream</Content-Type></Properties></Blob>",
                xml_escape(name),
                data.len(),
                data.len()
            );
        }
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><EnumerationResults \
             ContainerName=\"{container}\"><Prefix>{}</Prefix><Blobs>{listing}</Blobs>\
             </EnumerationResults>",
            xml_escape(prefix)
        );
        return Reply::status(200, &body);
    }
    let Some(data) = blobs.get(name) else {
        return Reply::status(404, "<Error><Code>BlobNotFound</Code></Error>");
    };
    let extra = vec![
        (
            "etag".to_owned(),
            format!("\"0x8DC0000000000{}\"", data.len()),
        ),
        (
            "last-modified".to_owned(),
            "Mon, 01 Jan 2024 00:00:00 GMT".to_owned(),
        ),
    ];
    file_reply(data, request, true, None, extra)
}
