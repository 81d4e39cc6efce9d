//! The real router (every layer, every route) over a test database, called
//! in-process.

use super::db::TestDb;
use app::backend::{AppState, seed};
use axum::{Router, body::Body};
use http::{HeaderMap, Request, StatusCode, header};
use server::{config::Config, http::router, serve::build_state};
use tower::ServiceExt;

pub struct TestApp {
    pub db: TestDb,
    pub state: AppState,
    router: Router,
}

/// A response with its body read.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Configuration as a deployment would give it, for `database_url`.
pub fn config_for(database_url: &str) -> Config {
    let url = database_url.to_owned();
    Config::from_lookup(false, move |name| match name {
        "DATABASE_URL" => Some(url.clone()),
        _ => None,
    })
    .expect("test configuration")
}

impl TestApp {
    /// A migrated, empty database behind the full router.
    pub async fn new() -> Self {
        let db = TestDb::new().await;
        let state = build_state(&config_for(&db.url)).expect("state");
        state.db.set_schema_ready();
        Self::assemble(db, state)
    }

    /// Like [`TestApp::new`], with the demo practice seeded.
    pub async fn with_demo() -> Self {
        let app = Self::new().await;
        let mut conn = app.db.conn().await;
        seed::seed_demo(&mut conn, &app.state.passwords)
            .await
            .expect("seed demo");
        app
    }

    /// A second app instance (its own state and pool) on the same database.
    pub fn another_instance(&self) -> Router {
        let state = build_state(&config_for(&self.db.url)).expect("state");
        state.db.set_schema_ready();
        router(state, (&config_for(&self.db.url)).into())
    }

    fn assemble(db: TestDb, state: AppState) -> Self {
        let router = router(state.clone(), (&config_for(&db.url)).into());
        Self { db, state, router }
    }

    /// A page load, as a browser sends it.
    pub async fn get(&self, path: &str) -> Reply {
        send(&self.router, page_request(path)).await
    }

    /// A server function call as the hydrated app makes it.
    pub async fn call(&self, path: &str, form: &[(&str, &str)]) -> Reply {
        call(&self.router, path, form).await
    }

    /// A plain HTML form post, as a browser without JavaScript makes it.
    pub async fn post_html_form(&self, path: &str, form: &[(&str, &str)], referer: &str) -> Reply {
        let body = encode(form);
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::CONTENT_LENGTH, body.len())
            .header(header::ACCEPT, "text/html,application/xhtml+xml")
            .header(header::REFERER, referer)
            .body(Body::from(body))
            .expect("request");
        send(&self.router, request).await
    }
}

pub async fn call(router: &Router, path: &str, form: &[(&str, &str)]) -> Reply {
    let body = encode(form);
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::CONTENT_LENGTH, body.len())
        .header(header::ACCEPT, "application/json")
        .body(Body::from(body))
        .expect("request");
    send(router, request).await
}

/// A GET as a browser's navigation sends it (leptos decides redirects by Accept).
pub fn page_request(path: &str) -> Request<Body> {
    Request::get(path)
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .body(Body::empty())
        .expect("request")
}

pub async fn send(router: &Router, request: Request<Body>) -> Reply {
    let response = router
        .clone()
        .oneshot(request)
        .await
        .expect("infallible router");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024)
        .await
        .expect("body");
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn encode(form: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(form).expect("form encodes")
}

/// A router whose database is unreachable (nothing listens on port 1).
pub fn down_router() -> Router {
    let config = config_for("postgres://postgres@127.0.0.1:1/nothing");
    let state = build_state(&config).expect("state");
    state.db.set_schema_ready();
    router(state, (&config).into())
}

pub fn router_of(app: &TestApp) -> Router {
    app.router.clone()
}
