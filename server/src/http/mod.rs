//! The HTTP stack: Leptos pages and server functions, health checks, static
//! files, and the middleware every request passes through.

mod audit_export;
mod client_ip;
mod csrf;
mod download;
mod error_status;
mod headers;
mod health;
pub mod metrics;
mod record_export;
mod refusals;
mod session;
mod shed;
mod throttle;
pub mod tls;

use crate::config::Config;
use app::{
    App,
    backend::{AppState, slots::Slots},
    shell,
};
use axum::{Router, handler::Handler, middleware, routing::get};
use http::{HeaderName, Request, StatusCode};
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use std::{
    net::IpAddr,
    sync::{Arc, OnceLock},
    time::Duration,
};
use tower::ServiceBuilder;
use tower_http::{
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    services::ServeDir,
    timeout::TimeoutLayer,
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;

/// What the middleware needs from [`Config`].
#[derive(Debug, Clone)]
pub struct Limits {
    pub request_timeout: Duration,
    pub max_body_bytes: usize,
    pub trusted_proxies: Vec<IpAddr>,
    pub public_url: String,
    /// Requests served at once; the rest wait in line.
    pub slots: Slots,
}

impl From<&Config> for Limits {
    fn from(config: &Config) -> Self {
        Self {
            request_timeout: config.request_timeout,
            max_body_bytes: config.max_body_bytes,
            trusted_proxies: config.trusted_proxies.clone(),
            public_url: config.public_url.clone(),
            slots: Slots::new(config.concurrent_requests),
        }
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application as one axum router.
pub fn router(state: AppState, limits: Limits) -> Router {
    let routes = app_routes();
    let options = state.leptos_options.clone();
    let sessions = session::layer(&state);
    let trusted: client_ip::TrustedProxies = Arc::new(limits.trusted_proxies);
    let origin: csrf::PublicOrigin = Arc::from(limits.public_url.as_str());
    // The built site's files (`/pkg`, the icon) as they are; anything else
    // gets the app's "not found" page. Files are never left to Leptos' own
    // file handler: it extends its answer with the response options of
    // whatever render is current on the thread, so under load a file now
    // and then took a page's headers (its Content-Security-Policy) and the
    // page went out without (edge.rs tests this).
    let not_found = leptos_axum::file_and_error_handler::<AppState, _>(shell);
    // A release build writes each file brotli- and gzip-compressed beside
    // it (`--precompress`); a browser gets the smallest it accepts.
    let files_else_not_found = ServeDir::new(&*state.leptos_options.site_root)
        .precompressed_br()
        .precompressed_gzip()
        .call_fallback_on_method_not_allowed(true)
        .fallback(not_found.with_state(state.clone()));

    Router::new()
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route("/admin/audit/export.csv", get(audit_export::audit_csv))
        .route("/me/record.json", get(record_export::own))
        .route("/patients/{id}/record.json", get(record_export::of_patient))
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback_service(files_else_not_found)
        .with_state(state.clone())
        // Innermost first: each .layer() wraps everything above it.
        .layer(middleware::from_fn(error_status::set_error_status))
        // Sees the status set above, and the session and client below.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            refusals::every_refusal_recorded,
        ))
        .layer(middleware::from_fn(session::signed_in_pages))
        .layer(middleware::from_fn(csrf::token_required))
        // Counts the pooled connections each request holds, so a password
        // hash is refused while one is held (`app::backend::db::held`).
        .layer(middleware::from_fn(connections_counted))
        .layer(sessions)
        // A fair line in front of everything that reads the database or
        // renders (the session included); those turned away below never
        // join it, and files and probes skip it.
        .layer(middleware::from_fn_with_state(limits.slots, served_in_turn))
        // Before the session is read: a flood of sign-ins while the hasher
        // is full costs no database work at all.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            shed::sign_ins_while_full,
        ))
        .layer(middleware::from_fn_with_state(state, throttle::per_ip))
        .layer(middleware::from_fn_with_state(
            trusted.clone(),
            client_ip::client_info,
        ))
        // Before anything reads or changes a session (the token check,
        // which needs the session, is inside the session layer).
        .layer(middleware::from_fn_with_state(
            origin,
            csrf::same_origin_only,
        ))
        .layer(
            // Outermost first: the request id exists before anything logs.
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(request_span)
                        .on_response(DefaultOnResponse::new().level(Level::INFO)),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                // Outside the limits, so their 408/413 answers carry the headers too.
                .layer(middleware::from_fn(headers::security_headers))
                .layer(RequestBodyLimitLayer::new(limits.max_body_bytes))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    limits.request_timeout,
                )),
        )
        // Counts and times everything the stack answers, by the route it
        // matched (axum routes before these layers run).
        .layer(middleware::from_fn(metrics::measured))
        // Outermost of all: a request id only a trusted proxy may supply.
        .layer(middleware::from_fn_with_state(
            trusted,
            client_ip::request_id_from_proxies_only,
        ))
}

/// Serves the request once a place is free (`backend::slots`).
async fn served_in_turn(
    axum::extract::State(slots): axum::extract::State<Slots>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    if is_asset_or_probe(request.uri().path()) {
        return next.run(request).await;
    }
    slots.serve(next.run(request)).await
}

/// Runs the request with its pooled connections counted.
async fn connections_counted(
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    app::backend::db::counting_connections(next.run(request)).await
}

/// The app's routes, listed once per process.
///
/// Listing them renders the app, and while Leptos does that it holds back
/// the loading of every resource *in the process* (one global flag), so a
/// page rendering on another router at that moment waited for its data
/// until the request timed out (408). Tests build many routers in one
/// process; listed once, before any router exists, no page can be caught
/// by it (edge.rs covers this).
fn app_routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Static files and health checks: never activity, never rate limited (a
/// page load fetches several assets; a load balancer's probes must always
/// get through).
fn is_asset_or_probe(path: &str) -> bool {
    path.starts_with("/pkg/") || matches!(path, "/healthz" | "/readyz" | "/favicon.svg")
}

/// One span per request, carrying the request id, method and path (never
/// the query string, which may carry search terms).
fn request_span<B>(request: &Request<B>) -> tracing::Span {
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %request.method(),
        path = %loggable_path(request.uri().path()),
    )
}

/// The path as logged. An invitation link's token is a secret (whoever
/// holds it sets the account's password), and the only one a path
/// carries, so it is never written out; ids are not secret.
fn loggable_path(path: &str) -> &str {
    match path.strip_prefix("/invite/") {
        Some(token) if !token.is_empty() => "/invite/{token}",
        _ => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_token_is_never_logged() {
        assert_eq!(loggable_path("/invite/s3cr3t-token"), "/invite/{token}");
        assert_eq!(loggable_path("/invite/"), "/invite/");
        assert_eq!(loggable_path("/patients/42"), "/patients/42");
    }

    /// A route's path with its parameters filled in (`/patients/{id}` or
    /// `/patients/:id` -> `/patients/x`).
    fn concrete(path: &str) -> String {
        path.split('/')
            .map(|part| match part.chars().next() {
                Some(':' | '{' | '*') => "x",
                _ => part,
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    fn is_public(path: &str) -> bool {
        app::ui::PUBLIC_PAGES.iter().any(|page| {
            path == *page || (page.len() > 1 && page.ends_with('/') && path.starts_with(page))
        })
    }

    /// The middleware's list of signed-in pages and the route table are
    /// one truth: every page is public or sends a stranger to sign in,
    /// never both and never neither, and every signed-in prefix is a page.
    // Listing the routes renders the app, which wants a runtime.
    #[tokio::test]
    async fn every_page_is_either_public_or_behind_sign_in() {
        let paths: Vec<String> = app_routes().iter().map(|r| concrete(r.path())).collect();
        assert!(paths.len() > 15, "the route table was read: {paths:?}");
        for path in &paths {
            assert_ne!(
                is_public(path),
                app::ui::needs_sign_in(path),
                "{path}: public and signed-in pages must be told apart"
            );
        }
        for page in app::ui::SIGNED_IN_PAGES {
            assert!(
                paths
                    .iter()
                    .any(|path| app::ui::needs_sign_in(path) && path.starts_with(page)),
                "{page} is listed as signed-in but no page lives there"
            );
        }
        assert!(paths.iter().any(|p| p == app::ui::SETUP_PAGE));
    }
}
