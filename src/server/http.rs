//! One axum router on one port: Leptos pages and server functions, the site's static files,
//! `/healthz`, and socketioxide's layer at `/socket.io/`.

use super::{assistant::Assistant, config::Config, origin::AllowedOrigins, Chat};
use super::{broadcast, limits::Limiters, limits::Shared, security, socket, store};
use crate::app::{shell, App};
use crate::protocol::ADMIN_NAMESPACE;
use axum::{
    extract::{DefaultBodyLimit, FromRef, OriginalUri, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, Uri},
    middleware::{from_fn, from_fn_with_state, map_request, map_response},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use socketioxide::adapter::LocalAdapter;
use socketioxide::{handler::ConnectHandler, layer::SocketIoLayer, SocketIo};
use std::{future::Future, net::SocketAddr, sync::Arc};
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::{compression::CompressionLayer, limit::RequestBodyLimitLayer, trace::TraceLayer};

/// Largest HTTP request body (form posts, server function calls).
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Largest socket.io packet a client may send (a message body is at most 4,000 characters), on
/// every transport: engineioxide's `max_payload` caps long-polling bodies only, so the WebSocket
/// message and frame limits are set to the same (their defaults are megabytes). A WebSocket
/// message past it closes that connection (close code 1009, "message too big").
pub const MAX_SOCKET_PAYLOAD_BYTES: u64 = 64 * 1024;
/// Packets queued per client before socketioxide drops broadcasts to it. Clients detect the gap
/// and fetch what they missed; a larger queue makes that rarer under bursts.
pub const SOCKET_BUFFER_PACKETS: usize = 1024;
/// Bytes a WebSocket reads at a time; a larger frame grows that connection's buffer as needed.
/// Chat frames are small, and every connection keeps this buffer for its whole life.
pub const SOCKET_READ_BUFFER_BYTES: usize = 1024;

/// Shared by every request; server functions find it in the Leptos context.
#[derive(Clone)]
pub struct AppState {
    pub leptos: LeptosOptions,
    pub chat: Chat,
    /// This process's name among the nodes (`/healthz` says it).
    pub node: Arc<str>,
    /// What opens `/metrics` besides an admin's session (`PARLEY_METRICS_TOKEN`).
    pub metrics_token: Option<Arc<str>>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

/// socketioxide's layer, of either adapter (see `broadcast::Io`).
pub enum Sockets {
    Alone(SocketIoLayer<LocalAdapter>),
    Cluster(SocketIoLayer<broadcast::ClusterAdapter>),
}

pub fn router(state: AppState, sockets: Sockets, origins: AllowedOrigins) -> Router {
    let routes = generate_route_list(App);
    let leptos = state.leptos.clone();
    let app = Router::new()
        .route("/r/{slug}", axum::routing::post(super::compose::post))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_page))
        .route("/account/export", get(export))
        .merge(super::avatars::routes())
        .merge(super::uploads::file_routes())
        .nest("/api/v1", super::rest::routes())
        .leptos_routes_with_context(&state, routes, security::provide_page_nonce, move || {
            shell(leptos.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            security::provide_page_nonce,
            shell,
        ))
        .layer(map_response(server_fn_status))
        // Server functions read their bodies themselves, past axum's DefaultBodyLimit: the
        // limit layer caps every body (413). socket.io sits outside it with its own max_payload.
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Uploads, past those limits, with their own.
        .merge(super::uploads::upload_routes(state.chat.limits.files.per_file))
        // Pages, the WASM bundle and its JS go out gzipped (the bundle shrinks to about 40%).
        .layer(CompressionLayer::new());
    let app = match sockets {
        Sockets::Alone(sockets) => app.layer(sockets),
        Sockets::Cluster(sockets) => app.layer(sockets),
    };
    app.layer(super::origin::polling_cors(origins.clone()))
        .layer(map_request(detach_head))
        .layer(from_fn_with_state(origins, security::same_origin_writes))
        .layer(from_fn(security::headers))
        // Every request gets an id (a proxy's `X-Request-Id` is kept), named in the logs of
        // whatever it causes and sent back in the response.
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Renders a page for a request as the Leptos routes do: with the same context, after its data
/// has loaded (`SsrMode::Async`: complete HTML, for browsers without JavaScript).
pub(super) async fn render_page(state: &AppState, request: Request) -> Response {
    let (context, leptos) = (state.clone(), state.leptos.clone());
    let render = leptos_axum::render_app_async_stream_with_context(
        move || {
            leptos::prelude::provide_context(context.clone());
            security::provide_page_nonce();
        },
        move || shell(leptos.clone()),
    );
    render(request).await
}

/// Answers a refused form post with the form's page (`path`, or the request's own) rendered with
/// `refused` in the request's extensions (where the page's loader finds what was sent and why),
/// and the refusal's `status`. A page that is not there stays a 404.
pub(super) async fn render_refused<T: Clone + Send + Sync + 'static>(
    state: &AppState,
    parts: axum::http::request::Parts,
    path: Option<&str>,
    status: StatusCode,
    refused: T,
) -> Response {
    let mut page = Request::from_parts(parts, axum::body::Body::empty());
    *page.method_mut() = axum::http::Method::GET;
    if let Some(path) = path {
        match Uri::try_from(path) {
            Ok(uri) => *page.uri_mut() = uri,
            Err(_) => return (status, "That page does not exist.").into_response(),
        }
    }
    page.extensions_mut().insert(refused);
    let mut response = render_page(state, page).await;
    if response.status().is_success() {
        *response.status_mut() = status;
    }
    response
}

/// The signed-in person's data as a JSON download (see `usecases::accounts::Export`).
async fn export(State(state): State<AppState>, headers: HeaderMap) -> Response {
    use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION};
    let Some(session) = state.chat.session(&headers).await else {
        return (StatusCode::UNAUTHORIZED, "Sign in to download your data.").into_response();
    };
    let name = session.user.name;
    match state.chat.export(&name).await {
        Ok(export) => {
            let file: String = name
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
                .collect();
            let disposition = format!("attachment; filename=\"parley-{file}.json\"");
            let headers = [(CONTENT_DISPOSITION, disposition), (CACHE_CONTROL, "no-store".into())];
            (headers, axum::Json(export)).into_response()
        }
        Err(error) => {
            let refusal = crate::protocol::ProtocolError::from(error);
            (super::error::http_status(refusal.code), axum::Json(refusal)).into_response()
        }
    }
}

/// A server function's refusal answers 500 (Leptos' status for any error) unless a browser's
/// form is redirected back: give it the status its code means instead, as the REST API does
/// (400, 401, 403, 404, 429, 503), so that only a fault of the server is a 500.
async fn server_fn_status(response: Response) -> Response {
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key("serverfnerror")
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // A refusal is a short JSON object; anything else is passed on as it was.
    let bytes = match axum::body::to_bytes(body, 64 * 1024).await {
        Ok(bytes) => bytes,
        Err(_) => return Response::from_parts(parts, axum::body::Body::empty()),
    };
    if let Ok(refusal) = serde_json::from_slice::<crate::protocol::ProtocolError>(&bytes) {
        parts.status = super::error::http_status(refusal.code);
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// This node's metrics in Prometheus' text format, for a server admin's session or the bearer
/// token `PARLEY_METRICS_TOKEN`.
async fn metrics_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE};
    if !bearer_matches(&headers, state.metrics_token.as_deref()) {
        match state.chat.session(&headers).await {
            Some(session) if session.user.admin => {}
            Some(_) => {
                let why = "Metrics are for server admins and for PARLEY_METRICS_TOKEN.";
                return (StatusCode::FORBIDDEN, why).into_response();
            }
            None => {
                let why = "Sign in as a server admin, or send Authorization: Bearer <PARLEY_METRICS_TOKEN>.";
                return (StatusCode::UNAUTHORIZED, [(WWW_AUTHENTICATE, "Bearer")], why)
                    .into_response();
            }
        }
    }
    super::metrics::sample(&state.chat.io).await;
    let kind = "text/plain; version=0.0.4; charset=utf-8";
    let headers = [(CONTENT_TYPE, kind), (CACHE_CONTROL, "no-store")];
    (headers, super::metrics::handle().render()).into_response()
}

/// Whether the request carries `Authorization: Bearer <token>` with the configured token
/// (compared by hash, in constant time whatever the input).
fn bearer_matches(headers: &HeaderMap, token: Option<&str>) -> bool {
    use sha2::{Digest, Sha256};
    let Some(token) = token else { return false };
    let Some(given) = super::auth::identity::bearer(headers) else { return false };
    let (a, b) = (Sha256::digest(given.as_bytes()), Sha256::digest(token.as_bytes()));
    a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The span of a request's logs: its id, method and path (never its query, headers or body).
fn request_span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    let id = request.headers().get("x-request-id").and_then(|id| id.to_str().ok()).unwrap_or("");
    let (method, path) = (request.method(), request.uri().path());
    tracing::info_span!("request", request_id = %id, %method, %path)
}

/// socket.io keeps each connection's request head (headers, URI) for the connection's whole
/// life. hyper parses a head without copying it: the URI and every header value are slices of
/// the connection's HTTP read buffer (8–16 KiB), which therefore lived as long as the socket. Handing
/// socket.io a copy lets that buffer go after the handshake (about 16 KiB per connection; see
/// BENCHMARKS.md).
async fn detach_head(mut request: Request) -> Request {
    if !request.uri().path().starts_with("/socket.io/") {
        return request;
    }
    let headers: HeaderMap = request
        .headers()
        .iter()
        .map(|(name, value)| {
            let copy = HeaderValue::from_bytes(value.as_bytes()).unwrap_or_else(|_| value.clone());
            (name.clone(), copy)
        })
        .collect();
    *request.headers_mut() = headers;
    if let Ok(uri) = Uri::try_from(request.uri().to_string()) {
        // axum's copy of the URI, kept among the extensions, is another slice of that buffer.
        if let Some(OriginalUri(original)) = request.extensions_mut().get_mut::<OriginalUri>() {
            *original = uri.clone();
        }
        *request.uri_mut() = uri;
    }
    request
}

/// `ok` when the database answers; the `X-Parley-Node` header names the node that answered
/// (behind a load balancer, which node a browser is on).
async fn healthz(
    State(state): State<AppState>,
) -> (StatusCode, [(&'static str, String); 1], &'static str) {
    let node = [("x-parley-node", state.node.to_string())];
    match state.chat.db.ping().await {
        Ok(_) => (StatusCode::OK, node, "ok"),
        Err(error) => {
            tracing::error!("health check: {error}");
            (StatusCode::SERVICE_UNAVAILABLE, node, "database unavailable")
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] store::OpenError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error(transparent)]
    Tls(#[from] super::tls::TlsError),
    #[error(transparent)]
    Secret(#[from] super::auth::secret::SecretError),
    #[error(
        "this node's secret key is not the one the other nodes of this database use: give every \
         node the same PARLEY_SECRET_KEY (to change it, stop every node first)"
    )]
    SecretMismatch,
    #[error("the database could not be checked: {0}")]
    Database(#[from] sqlx::Error),
    #[error("PARLEY_REDIS_URL needs a postgres: database shared by every node (nodes cannot share a SQLite file)")]
    ClusterOnSqlite,
    #[error("cannot use Redis at PARLEY_REDIS_URL: {0}")]
    Redis(#[from] fred::error::Error),
    #[error("cannot set up socket.io on Redis: {0}")]
    Adapter(String),
}

/// A bound, ready server. Tests start it on port 0 with a fresh database.
pub struct Server {
    listener: TcpListener,
    /// Set when the server speaks HTTPS itself.
    tls: Option<tokio_rustls::TlsAcceptor>,
    app: Router,
    io: broadcast::Io,
    /// A SQLite file's lock, held until the server has stopped.
    lock: Option<store::sqlite::FileLock>,
}

impl Server {
    pub async fn start(config: Config) -> Result<Self, StartError> {
        // Counted from the start: what happens before a recorder exists is not recorded.
        super::metrics::handle();
        // A bad certificate stops the start before anything else is opened.
        let tls = config.tls.as_ref().map(super::tls::acceptor).transpose()?;
        let mut auth = config.auth.clone();
        // Cookies of a site served over TLS never travel in the clear.
        auth.secure_cookies |= tls.is_some();
        if config.redis_url.is_some() && config.database_url.starts_with("sqlite:") {
            return Err(StartError::ClusterOnSqlite);
        }
        let node = super::cluster::node_id();
        let (db, lock) =
            store::open_for_server(&config.database_url, &node, config.sqlite_max_mb).await?;
        if let Some(file) = &config.secret_file {
            auth.secret = super::auth::secret::Secret::from_env_or_file(file)?;
        }
        let redis = match &config.redis_url {
            Some(url) => Some(super::cluster::Redis::connect(url, db.cluster_name().await?).await?),
            None => None,
        };
        let now = super::usecases::now_millis();
        if !db.agree_secret(&auth.secret.check(), now, super::cluster::NODE_TIMEOUT_MS).await? {
            return Err(StartError::SecretMismatch);
        }
        let questions = redis.as_ref().map(|redis| Shared::new(redis, "questions"));
        let assistant = Assistant::new(config.assistant.clone(), questions);
        if let Some(settings) = &config.assistant {
            tracing::info!("assistant: model {} at {}", settings.model, settings.url);
        }
        let services = socket::Services {
            io: Default::default(),
            db: db.clone(),
            rooms: store::Rooms::default(),
            limits: Limiters::new(&config.limits, redis.as_ref()),
            assistant,
            auth,
            batches: broadcast::Batches::new(config.batch_above, db),
            pages: Default::default(),
            node: node.as_str().into(),
        };
        let builder = SocketIo::builder()
            .max_payload(MAX_SOCKET_PAYLOAD_BYTES)
            .ws_max_message_size(MAX_SOCKET_PAYLOAD_BYTES as usize)
            .ws_max_frame_size(MAX_SOCKET_PAYLOAD_BYTES as usize)
            .max_buffer_size(SOCKET_BUFFER_PACKETS)
            .ws_read_buffer_size(SOCKET_READ_BUFFER_BYTES)
            .with_state(services.clone())
            .with_state(config.allowed_origins.clone());
        let (sockets, io): (Sockets, _) = match redis {
            None => {
                let (sockets, io) = builder.build_layer();
                io.ns("/", socket::on_connect.with(socket::accept::<LocalAdapter>));
                io.ns(
                    ADMIN_NAMESPACE,
                    socket::on_admin_connect::<LocalAdapter>
                        .with(socket::accept_admin::<LocalAdapter>),
                );
                (Sockets::Alone(sockets), broadcast::Io::Alone(io))
            }
            Some(redis) => {
                let adapter = redis.adapter().await?;
                let (sockets, io) =
                    builder.with_adapter::<broadcast::ClusterAdapter>(adapter).build_layer();
                io.ns("/", socket::on_connect.with(socket::accept::<broadcast::ClusterAdapter>))
                    .await
                    .map_err(|error| StartError::Adapter(error.to_string()))?;
                io.ns(
                    ADMIN_NAMESPACE,
                    socket::on_admin_connect::<broadcast::ClusterAdapter>
                        .with(socket::accept_admin::<broadcast::ClusterAdapter>),
                )
                .await
                .map_err(|error| StartError::Adapter(error.to_string()))?;
                tracing::info!("node {node}: broadcasts go through Redis");
                (Sockets::Cluster(sockets), broadcast::Io::Cluster(io, redis.subscriber))
            }
        };
        let _ = services.io.set(io.clone());
        let chat = services.chat().map_err(|_| StartError::Adapter("no socket.io".into()))?;
        super::cluster::beat(chat.clone());
        super::usecases::feed_admins(chat.clone());
        super::cluster::follow_redis(&io);
        let metrics_token = config.metrics_token.as_deref().map(Arc::from);
        let state =
            AppState { leptos: config.leptos.clone(), chat, node: node.into(), metrics_token };
        let addr = config.leptos.site_addr;
        let listener =
            TcpListener::bind(addr).await.map_err(|source| StartError::Bind { addr, source })?;
        let app = router(state, sockets, config.allowed_origins.clone());
        Ok(Self { listener, tls, app, io, lock })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap_or_else(|_| ([0, 0, 0, 0], 0).into())
    }

    /// `https` when the server speaks TLS itself, else `http`.
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// Serves until `signal` completes, then closes every socket (so clients reconnect and
    /// presence is cleared) and lets in-flight requests finish.
    pub async fn run_until(self, signal: impl Future<Output = ()> + Send + 'static) {
        /// Nagle's algorithm delays small socket.io frames; chat wants them out at once.
        fn no_delay(tcp: &tokio::net::TcpStream) {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::debug!("TCP_NODELAY: {error}");
            }
        }
        let (io, _lock) = (self.io, self.lock);
        let shutdown = async move {
            signal.await;
            tracing::info!("shutting down");
            io.close().await;
        };
        match self.tls {
            None => {
                serve(
                    TcpAccept { listener: self.listener, configure: no_delay },
                    self.app,
                    shutdown,
                )
                .await
            }
            Some(acceptor) => {
                match super::tls::TlsListener::new(self.listener, acceptor, no_delay) {
                    Ok(listener) => serve(listener, self.app, shutdown).await,
                    Err(error) => tracing::error!("server error: {error}"),
                }
            }
        }
    }
}

/// How long a client may take to send a request's head (its request line and headers), and
/// how long an idle keep-alive connection waits for the next one: a connection that sends
/// nothing, or its headers a byte at a time (slowloris), is closed after it.
pub const HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Plain TCP connections for [`serve`], each configured as it is accepted.
struct TcpAccept {
    listener: TcpListener,
    configure: fn(&tokio::net::TcpStream),
}

impl axum::serve::Listener for TcpAccept {
    type Io = tokio::net::TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.listener.accept().await {
                Ok((tcp, addr)) => {
                    (self.configure)(&tcp);
                    return (tcp, addr);
                }
                Err(error) => {
                    // Out of file descriptors and the like: wait, as axum's listener does.
                    tracing::warn!("accepting a connection: {error}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}

/// hyper's server loop, as `axum::serve` runs it but with a timer, so that [`HEADER_TIMEOUT`]
/// holds (axum's sets none: a client could hold a connection forever by never finishing its
/// headers). HTTP/1.1 only, as the TLS listener offers: hyper's automatic HTTP/1-or-2 builder
/// first waits for enough bytes to tell the two apart, with no timer, so a connection that
/// sends nothing would never time out. Each request carries its peer's address
/// (`ConnectInfo`, for the limits kept per address); upgrades (WebSocket) are served. Once
/// `shutdown` completes, no connection is accepted and the open ones are let finish.
async fn serve<L>(mut listener: L, app: Router, shutdown: impl Future<Output = ()>)
where
    L: axum::serve::Listener<Addr = SocketAddr>,
{
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT);
    let (closing, closed) = tokio::sync::watch::channel(());
    let connections = tokio_util::task::TaskTracker::new();
    tokio::pin!(shutdown);
    loop {
        let (io, addr) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service =
            hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                let mut request = request.map(axum::body::Body::new);
                request.extensions_mut().insert(axum::extract::ConnectInfo(addr));
                app.clone().oneshot(request)
            });
        let (builder, mut closed) = (builder.clone(), closed.clone());
        connections.spawn(async move {
            let connection = builder.serve_connection(TokioIo::new(io), service).with_upgrades();
            tokio::pin!(connection);
            let ended = tokio::select! {
                ended = connection.as_mut() => ended,
                _ = closed.changed() => {
                    // Shutting down: the request in flight finishes, then the connection ends.
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(error) = ended {
                tracing::debug!(%addr, "connection ended: {error}");
            }
        });
    }
    drop(listener);
    let _ = closing.send(());
    connections.close();
    connections.wait().await;
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for Ctrl-C: {error}");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(error) => {
                tracing::error!("cannot listen for SIGTERM: {error}");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! { () = ctrl_c => {}, () = terminate => {} }
}
