//! The ingress: the cluster's front door (Ambassador or Istio in front of Seldon), locally.
//!
//! One address for every deployment. REST calls under `/seldon/<namespace>/<name>/` go to that
//! deployment's engine with the prefix stripped, as Ambassador's mapping does, whatever the
//! protocol's paths (`api/v1.0/...`, `v1/models/...`, `v2/models/...`). Each call goes to one
//! predictor picked at random by the `traffic` weights; the answer names it in the
//! `seldon-predictor` header. Shadow predictors get a copy of each call from a bounded set of
//! fire-and-forget tasks whose answers are dropped; a slow or dead shadow never delays or fails
//! the caller.
//!
//! What is routed comes from a [`RouteSource`] (the caller's: it knows where deployments run),
//! re-read periodically and whenever a call names a deployment not routed yet. The component
//! knows predictors, weights and addresses only, never the SeldonDeployment schema.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State as AxumState};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::get;
use bytes::Bytes;
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::http::{self, BodyError, HttpError};
use crate::protocol::seldon;

/// The response header naming the predictor that answered.
pub const PREDICTOR_HEADER: &str = "seldon-predictor";

/// The path prefix Seldon's gateways route by.
pub const PREFIX: &str = "/seldon/";

/// The path answering what this ingress routes (and that it is one of ours).
pub const INFO_PATH: &str = "/seldon-local/ingress";

/// Default cap on shadow calls in flight; beyond it copies are dropped (and counted).
pub const DEFAULT_SHADOW_LIMIT: usize = 256;

/// Why the ingress could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum IngressError {
    /// The HTTP client could not be built.
    #[error("failed to build the HTTP client")]
    Client(#[source] reqwest::Error),
    /// The server stopped with an error.
    #[error(transparent)]
    Serve(#[from] HttpError),
}

/// One predictor behind a deployment's route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Target {
    /// The predictor's name.
    pub predictor: String,
    /// The base URL of its engine's REST API (`http://127.0.0.1:PORT`).
    pub rest: String,
    /// The address of its engine's gRPC API (`http://127.0.0.1:PORT`), if it serves one.
    #[serde(default)]
    pub grpc: Option<String>,
    /// Its `traffic` weight (0 when unset).
    pub weight: u32,
    /// Whether it is a shadow.
    pub shadow: bool,
    /// Whether its pods are ready. One that is not stays in the weighted draw and answers 503,
    /// as a Kubernetes Service whose pods all fail their readiness probe has no endpoint for
    /// the gateway's share of traffic it was given (the gateway does not re-weigh).
    #[serde(default = "ready_by_default")]
    pub ready: bool,
}

fn ready_by_default() -> bool {
    true
}

/// One deployment's predictors, split into those that answer and the shadows.
#[derive(Debug, Clone, Serialize)]
pub struct Route {
    /// `<namespace>/<name>`.
    pub key: String,
    /// The predictors that answer, with their weights.
    pub answering: Vec<Target>,
    /// The shadows.
    pub shadows: Vec<Target>,
    #[serde(skip)]
    total: u32,
}

impl Route {
    /// The route of a deployment's predictors.
    #[must_use]
    pub fn new(namespace: &str, name: &str, targets: Vec<Target>) -> Self {
        let (shadows, answering): (Vec<Target>, Vec<Target>) =
            targets.into_iter().partition(|t| t.shadow);
        let total = answering.iter().map(|t| t.weight).sum();
        Self {
            key: format!("{namespace}/{name}"),
            answering,
            shadows,
            total,
        }
    }

    /// The predictor for a draw `r` in `0..u32::MAX`: by weight, or evenly when no predictor
    /// has one. `None` when only shadows are left.
    #[must_use]
    pub fn pick(&self, r: u32) -> Option<&Target> {
        match self.answering.as_slice() {
            [] => None,
            [only] => Some(only),
            many if self.total == 0 => {
                let len = u32::try_from(many.len()).unwrap_or(u32::MAX);
                many.get(usize::try_from(r % len).unwrap_or(0))
            }
            many => {
                let mut point = r % self.total;
                for target in many {
                    if point < target.weight {
                        return Some(target);
                    }
                    point -= target.weight;
                }
                many.last()
            }
        }
    }
}

/// Everything routed, by `<namespace>/<name>`.
#[derive(Debug, Clone, Default)]
pub struct Routes(HashMap<String, Arc<Route>>);

impl Routes {
    /// Adds (or replaces) a deployment's route.
    pub fn insert(&mut self, route: Route) {
        self.0.insert(route.key.clone(), Arc::new(route));
    }

    /// The route of `<namespace>/<name>`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Arc<Route>> {
        self.0.get(key)
    }

    /// Whether nothing is routed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The routed keys, sorted.
    #[must_use]
    pub fn keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self.0.keys().map(String::as_str).collect();
        keys.sort_unstable();
        keys
    }
}

/// Where routes come from: read whenever the ingress refreshes.
pub trait RouteSource: Send + Sync + 'static {
    /// The routes as they stand now.
    fn routes(&self) -> Pin<Box<dyn Future<Output = Routes> + Send>>;
}

/// A fixed set of routes (tests, benchmarks).
#[derive(Debug, Clone, Default)]
pub struct FixedRoutes(pub Routes);

impl RouteSource for FixedRoutes {
    fn routes(&self) -> Pin<Box<dyn Future<Output = Routes> + Send>> {
        let routes = self.0.clone();
        Box::pin(async move { routes })
    }
}

/// How the ingress runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Cap on request bodies and on engines' replies.
    pub body_limit: usize,
    /// Timeout of each call to an engine.
    pub timeout: Duration,
    /// How often routes are re-read.
    pub refresh: Duration,
    /// Shadow calls in flight at most.
    pub shadow_limit: usize,
    /// Stop once nothing has been routed for this long (`None`: serve until shutdown).
    pub idle_exit: Option<Duration>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            body_limit: http::DEFAULT_BODY_LIMIT,
            timeout: Duration::from_mins(1),
            refresh: Duration::from_secs(2),
            shadow_limit: DEFAULT_SHADOW_LIMIT,
            idle_exit: None,
        }
    }
}

/// Counts of shadow calls.
#[derive(Debug, Default, Serialize)]
pub struct ShadowStats {
    /// Copies sent.
    pub sent: AtomicU64,
    /// Copies whose call failed or answered an error (the caller never sees it).
    pub failed: AtomicU64,
    /// Copies dropped because `shadow_limit` calls were in flight.
    pub dropped: AtomicU64,
}

/// Shared state of a running ingress.
pub struct State {
    routes: RwLock<Arc<Routes>>,
    source: Arc<dyn RouteSource>,
    client: reqwest::Client,
    config: Config,
    shadow_slots: Arc<Semaphore>,
    /// The shadow counters.
    pub shadow: Arc<ShadowStats>,
    /// When the last refresh started; held across a refresh so misses queue behind it.
    refreshing: tokio::sync::Mutex<Option<Instant>>,
    channels: Mutex<HashMap<String, tonic::transport::Channel>>,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl State {
    /// The ingress's state, with nothing routed until the first refresh.
    pub fn new(config: Config, source: Arc<dyn RouteSource>) -> Result<Self, IngressError> {
        let client = reqwest::Client::builder()
            .tcp_nodelay(true)
            .timeout(config.timeout)
            .pool_max_idle_per_host(1024)
            // Plain HTTP to local engines: no system roots to load.
            .tls_certs_only(Vec::<reqwest::Certificate>::new())
            .build()
            .map_err(IngressError::Client)?;
        Ok(Self {
            routes: RwLock::new(Arc::new(Routes::default())),
            source,
            client,
            shadow_slots: Arc::new(Semaphore::new(config.shadow_limit)),
            config,
            shadow: Arc::new(ShadowStats::default()),
            refreshing: tokio::sync::Mutex::new(None),
            channels: Mutex::new(HashMap::new()),
        })
    }

    /// The routes as last read.
    #[must_use]
    pub fn routes(&self) -> Arc<Routes> {
        Arc::clone(
            &self
                .routes
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Re-reads the routes.
    pub async fn refresh(&self) {
        let mut started = self.refreshing.lock().await;
        *started = Some(Instant::now());
        self.reread().await;
    }

    async fn reread(&self) {
        let routes = Arc::new(self.source.routes().await);
        *self
            .routes
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = routes;
    }

    /// A lazily connected HTTP/2 channel to `address`, shared by every call to it.
    fn channel(&self, address: &str) -> Option<tonic::transport::Channel> {
        let mut channels = self
            .channels
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(channel) = channels.get(address) {
            return Some(channel.clone());
        }
        let channel = tonic::transport::Channel::from_shared(address.to_owned())
            .ok()?
            .tcp_nodelay(true)
            .connect_lazy();
        channels.insert(address.to_owned(), channel.clone());
        Some(channel)
    }

    /// Re-reads the routes after a miss that arrived at `arrived`, unless a refresh started
    /// since: a deployment whose `up` returned before the call is always seen (a fixed rate
    /// limit once hid one written just after a refresh), and a burst of misses shares one read.
    async fn refresh_after_miss(&self, arrived: Instant) {
        let mut started = self.refreshing.lock().await;
        if started.is_some_and(|at| at >= arrived) {
            return;
        }
        *started = Some(Instant::now());
        self.reread().await;
    }
}

/// The ingress's routes: `/seldon/...` forwarded, [`INFO_PATH`] and `/ready` its own.
pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .route(INFO_PATH, get(info))
        .route("/ready", get(|| async { "ready" }))
        .fallback(forward)
        .with_state(state)
}

/// Serves the ingress on `listener` until `shutdown` resolves or, with `idle_exit`, nothing has
/// been routed for that long.
pub async fn run<F>(
    config: Config,
    source: Arc<dyn RouteSource>,
    listener: TcpListener,
    shutdown: F,
) -> Result<(), IngressError>
where
    F: Future<Output = ()> + Send + 'static,
{
    let state = Arc::new(State::new(config, source)?);
    state.refresh().await;
    let refresher = Arc::clone(&state);
    let idle = async move {
        let mut empty_since: Option<Instant> = None;
        loop {
            tokio::time::sleep(refresher.config.refresh).await;
            refresher.refresh().await;
            if refresher.routes().is_empty() {
                let since = *empty_since.get_or_insert_with(Instant::now);
                if refresher
                    .config
                    .idle_exit
                    .is_some_and(|limit| since.elapsed() >= limit)
                {
                    return;
                }
            } else {
                empty_since = None;
            }
        }
    };
    let stop = async move {
        tokio::select! {
            () = shutdown => {}
            () = idle => {}
        }
    };
    http::serve(listener, router(state), stop).await?;
    Ok(())
}

/// `GET /seldon-local/ingress`: what is routed, and the shadow counters.
async fn info(AxumState(state): AxumState<Arc<State>>) -> Response {
    state.refresh().await;
    let routes = state.routes();
    let list: Vec<&Route> = routes
        .keys()
        .into_iter()
        .filter_map(|k| routes.get(k).map(AsRef::as_ref))
        .collect();
    let body = serde_json::json!({
        "ingress": "seldon-local",
        "routes": list,
        "shadow": &*state.shadow,
    });
    http::json(StatusCode::OK, body.to_string())
}

/// `<namespace>/<name>` and the rest of the path (with its leading `/`), from a gateway path.
fn split_path(path: &str) -> Option<(&str, &str)> {
    let tail = path.strip_prefix(PREFIX)?;
    let namespace_end = tail.find('/')?;
    let after = &tail[namespace_end + 1..];
    let name_end = after.find('/').unwrap_or(after.len());
    if namespace_end == 0 || name_end == 0 {
        return None;
    }
    let key_end = namespace_end + 1 + name_end;
    Some((&tail[..key_end], &tail[key_end..]))
}

fn failure(status: StatusCode, info: &str, reason: &str) -> Response {
    http::json(
        status,
        seldon::executor_failure(status.as_u16(), info, reason),
    )
}

fn not_routed(what: &str, routes: &Routes) -> Response {
    let keys = routes.keys();
    let listed = if keys.is_empty() {
        "nothing is routed".to_owned()
    } else {
        format!("routed: {}", keys.join(", "))
    };
    failure(
        StatusCode::NOT_FOUND,
        &format!("{what}; {listed} (paths are /seldon/<namespace>/<name>/...)"),
        "NOT_FOUND",
    )
}

/// Hop-by-hop headers, and those the client recomputes.
fn skipped(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "host"
            | "content-length"
            | "connection"
            | "keep-alive"
            | "proxy-connection"
            | "transfer-encoding"
            | "te"
            | "trailer"
            | "upgrade"
    )
}

fn copy_headers(from: &HeaderMap, to: &mut HeaderMap) {
    for (name, value) in from {
        if !skipped(name) {
            to.append(name.clone(), value.clone());
        }
    }
}

/// Any call under `/seldon/<namespace>/<name>/`: to one predictor, copied to the shadows.
#[allow(
    clippy::too_many_lines,
    reason = "route, read, shadow, call (retrying a moved route once), reply: one sequence"
)]
async fn forward(AxumState(state): AxumState<Arc<State>>, request: Request) -> Response {
    let arrived = Instant::now();
    if is_grpc(request.headers()) {
        return forward_grpc(&state, request).await;
    }
    let (parts, body) = request.into_parts();
    let path = parts.uri.path();
    let Some((key, rest)) = split_path(path) else {
        return not_routed(&format!("`{path}` is not a gateway path"), &state.routes());
    };
    let mut routes = state.routes();
    if routes.get(key).is_none() {
        state.refresh_after_miss(arrived).await;
        routes = state.routes();
    }
    let Some(route) = routes.get(key).cloned() else {
        return not_routed(&format!("no deployment `{key}` is routed here"), &routes);
    };
    let Some(target) = route.pick(fastrand::u32(..)) else {
        return failure(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("`{key}` has only shadow predictors"),
            "NO_PREDICTOR",
        );
    };
    if !target.ready {
        return failure(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!(
                "predictor `{}` of `{key}` is not ready: a readiness probe of its pod fails",
                target.predictor
            ),
            "NOT_READY",
        );
    }
    let body = match http::read_body(body, state.config.body_limit).await {
        Ok(body) => body,
        Err(BodyError::TooLarge { limit }) => {
            return failure(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("request body is larger than {limit} bytes"),
                "BAD_REQUEST",
            );
        }
        Err(error) => {
            return failure(StatusCode::BAD_REQUEST, &error.to_string(), "BAD_REQUEST");
        }
    };
    let rest = if rest.is_empty() { "/" } else { rest };
    let suffix = match parts.uri.query() {
        Some(query) => format!("{rest}?{query}"),
        None => rest.to_owned(),
    };
    for shadow in &route.shadows {
        shadow_call(
            &state,
            shadow,
            &parts.method,
            &parts.headers,
            &suffix,
            &body,
        );
    }
    let call = |rest: &str| {
        state
            .client
            .request(parts.method.clone(), format!("{rest}{suffix}"))
            .body(body.clone())
            .headers(call_headers(&parts.headers))
            .send()
    };
    let mut target = target.clone();
    let mut sent = call(&target.rest).await;
    if sent.as_ref().is_err_and(reqwest::Error::is_connect) {
        // Nothing listens where the route points: the deployment may just have been replaced
        // (new ports). Read the routes again and, if they moved, try the new address once.
        state.refresh_after_miss(Instant::now()).await;
        if let Some(moved) = state
            .routes()
            .get(key)
            .and_then(|r| r.pick(fastrand::u32(..)))
            .filter(|t| t.rest != target.rest)
            .cloned()
        {
            target = moved;
            sent = call(&target.rest).await;
        }
    }
    let reply = match sent {
        Ok(reply) => reply,
        Err(error) => {
            tracing::warn!(predictor = %target.predictor, %error, "engine call failed");
            return failure(
                StatusCode::SERVICE_UNAVAILABLE,
                &format!("predictor `{}` of `{key}` did not answer", target.predictor),
                "ENGINE_UNAVAILABLE",
            );
        }
    };
    let status = reply.status();
    let mut headers = HeaderMap::new();
    copy_headers(reply.headers(), &mut headers);
    let bytes = match read_reply(reply, state.config.body_limit).await {
        Ok(bytes) => bytes,
        Err(info) => return failure(StatusCode::BAD_GATEWAY, &info, "ENGINE_REPLY"),
    };
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    if let Ok(value) = HeaderValue::from_str(&target.predictor) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(PREDICTOR_HEADER), value);
    }
    response
}

fn is_grpc(headers: &HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/grpc"))
}

/// The gRPC metadata naming the deployment, as Ambassador's gRPC mappings match it.
pub const GRPC_NAME_METADATA: &str = "seldon";
/// The gRPC metadata naming the namespace (`default` when absent).
pub const GRPC_NAMESPACE_METADATA: &str = "namespace";

/// A trailers-only gRPC answer: `grpc-status` and `grpc-message` in the headers.
fn grpc_failure(code: u8, message: &str) -> Response {
    let mut response = http::response(
        StatusCode::OK,
        Some(HeaderValue::from_static("application/grpc")),
        Body::empty(),
    );
    let headers = response.headers_mut();
    headers.insert("grpc-status", HeaderValue::from(u16::from(code)));
    // Printable ASCII but `%` travels unencoded.
    let printable: String = message
        .chars()
        .map(|c| {
            if (' '..='~').contains(&c) && c != '%' {
                c
            } else {
                '?'
            }
        })
        .collect();
    if let Ok(value) = HeaderValue::from_str(&printable) {
        headers.insert("grpc-message", value);
    }
    response
}

/// A gRPC call: to the engine's gRPC port of the predictor picked for the deployment named by
/// the `seldon` and `namespace` metadata, passed through as it is (HTTP/2 frames, trailers).
async fn forward_grpc(state: &Arc<State>, request: Request) -> Response {
    const NOT_FOUND: u8 = 5;
    const UNAVAILABLE: u8 = 14;
    const INVALID_ARGUMENT: u8 = 3;
    let arrived = Instant::now();
    let metadata = |headers: &HeaderMap, name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let Some(name) = metadata(request.headers(), GRPC_NAME_METADATA) else {
        return grpc_failure(
            INVALID_ARGUMENT,
            "no `seldon` metadata: the ingress routes gRPC by the `seldon` (deployment) and \
             `namespace` metadata",
        );
    };
    let namespace = metadata(request.headers(), GRPC_NAMESPACE_METADATA)
        .unwrap_or_else(|| "default".to_owned());
    let key = format!("{namespace}/{name}");
    let mut routes = state.routes();
    if routes.get(&key).is_none() {
        state.refresh_after_miss(arrived).await;
        routes = state.routes();
    }
    let Some(route) = routes.get(&key).cloned() else {
        let keys = routes.keys();
        return grpc_failure(
            NOT_FOUND,
            &format!(
                "no deployment `{key}` is routed here; routed: {}",
                keys.join(", ")
            ),
        );
    };
    let Some(target) = route.pick(fastrand::u32(..)) else {
        return grpc_failure(UNAVAILABLE, &format!("`{key}` has only shadow predictors"));
    };
    if !target.ready {
        return grpc_failure(
            UNAVAILABLE,
            &format!(
                "predictor `{}` of `{key}` is not ready: a readiness probe of its pod fails",
                target.predictor
            ),
        );
    }
    let Some(channel) = target.grpc.as_deref().and_then(|a| state.channel(a)) else {
        return grpc_failure(
            UNAVAILABLE,
            &format!("predictor `{}` of `{key}` serves no gRPC", target.predictor),
        );
    };
    let (mut parts, body) = request.into_parts();
    if let Some(path) = parts.uri.path_and_query().cloned() {
        parts.uri = axum::http::Uri::from(path);
    }
    for name in [
        "host",
        "connection",
        "keep-alive",
        "transfer-encoding",
        "upgrade",
    ] {
        parts.headers.remove(name);
    }
    let request = axum::http::Request::from_parts(parts, tonic::body::Body::new(body));
    let mut channel = channel;
    let reply = async {
        use tonic::codegen::Service as _;
        futures_util::future::poll_fn(|cx| channel.poll_ready(cx)).await?;
        channel.call(request).await
    }
    .await;
    match reply {
        Ok(reply) => {
            let (mut parts, body) = reply.into_parts();
            if let Ok(value) = HeaderValue::from_str(&target.predictor) {
                parts
                    .headers
                    .insert(HeaderName::from_static(PREDICTOR_HEADER), value);
            }
            Response::from_parts(parts, Body::new(body))
        }
        Err(error) => {
            tracing::warn!(predictor = %target.predictor, %error, "engine gRPC call failed");
            grpc_failure(
                UNAVAILABLE,
                &format!("predictor `{}` of `{key}` did not answer", target.predictor),
            )
        }
    }
}

fn call_headers(from: &HeaderMap) -> HeaderMap {
    let mut headers = HeaderMap::with_capacity(from.len());
    copy_headers(from, &mut headers);
    headers
}

async fn read_reply(reply: reqwest::Response, limit: usize) -> Result<Bytes, String> {
    if reply
        .content_length()
        .is_some_and(|n| n > u64::try_from(limit).unwrap_or(u64::MAX))
    {
        return Err(format!("the engine's reply is larger than {limit} bytes"));
    }
    reply
        .bytes()
        .await
        .map_err(|e| format!("failed to read the engine's reply: {e}"))
}

/// Sends a copy to a shadow without waiting; dropped (and counted) when too many are in flight.
/// The body is shared, not copied.
fn shadow_call(
    state: &Arc<State>,
    shadow: &Target,
    method: &axum::http::Method,
    headers: &HeaderMap,
    suffix: &str,
    body: &Bytes,
) {
    let Ok(permit) = Arc::clone(&state.shadow_slots).try_acquire_owned() else {
        state.shadow.dropped.fetch_add(1, Ordering::Relaxed);
        return;
    };
    state.shadow.sent.fetch_add(1, Ordering::Relaxed);
    let call = state
        .client
        .request(method.clone(), format!("{}{suffix}", shadow.rest))
        .headers(call_headers(headers))
        .body(body.clone());
    let counters = Arc::clone(&state.shadow);
    let predictor = shadow.predictor.clone();
    tokio::spawn(async move {
        let ok = match call.send().await {
            Ok(reply) => {
                let ok = reply.status().is_success();
                // Read the answer to its end so the connection is reused; then drop it.
                let _ = reply.bytes().await;
                ok
            }
            Err(error) => {
                tracing::debug!(%predictor, %error, "shadow call failed");
                false
            }
        };
        if !ok {
            counters.failed.fetch_add(1, Ordering::Relaxed);
        }
        drop(permit);
    });
}

#[cfg(test)]
mod tests;
