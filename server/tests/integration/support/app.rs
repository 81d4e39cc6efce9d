//! The real router (every layer, every route) over a test database, called
//! in-process, and a cookie-keeping [`Browser`] to drive it like a person.

use super::db::TestDb;
use app::backend::{AppState, seed};
use axum::{Router, body::Body};
use http::{HeaderMap, Request, StatusCode, header};
use server::{config::Config, http::router, serve::build_state};
use std::collections::HashMap;
use tower::ServiceExt;

/// The origin the default configuration expects (CAIRN_PUBLIC_URL).
pub const ORIGIN: &str = "http://127.0.0.1:3000";

pub struct TestApp {
    pub db: TestDb,
    pub state: AppState,
    router: Router,
    /// The origin its browsers send (CAIRN_PUBLIC_URL).
    pub origin: String,
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

    /// Every Set-Cookie line.
    pub fn set_cookies(&self) -> Vec<&str> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect()
    }
}

/// Configuration as a deployment would give it, for `db` (both roles), with
/// `extra` variables on top. Two-step verification is required of no role
/// unless a test asks for it (`CAIRN_MFA_REQUIRED_ROLES`), so tests of
/// other features sign staff in with a password alone; `mfa.rs` tests the
/// default rule (staff must use it).
pub fn config_with(db: &TestDb, extra: &[(&str, &str)]) -> Config {
    config_for_urls(&db.url, Some(&db.owner_url), extra)
}

/// Configuration for a database given by its URLs (the owner's, when
/// migrations have their own).
pub fn config_for_urls(
    database_url: &str,
    migration_url: Option<&str>,
    extra: &[(&str, &str)],
) -> Config {
    let mut vars: HashMap<String, String> = extra
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    vars.entry("CAIRN_MFA_REQUIRED_ROLES".into())
        .or_insert_with(|| "none".into());
    vars.insert("DATABASE_URL".into(), database_url.to_owned());
    if let Some(url) = migration_url {
        vars.entry("CAIRN_MIGRATION_DATABASE_URL".into())
            .or_insert_with(|| url.to_owned());
    }
    Config::from_lookup(false, move |name| vars.get(name).cloned()).expect("test configuration")
}

pub fn config_for(db: &TestDb) -> Config {
    config_with(db, &[])
}

impl TestApp {
    /// A migrated, empty database behind the full router.
    pub async fn new() -> Self {
        Self::with_settings(&[]).await
    }

    /// Like [`TestApp::new`], with configuration variables set.
    pub async fn with_settings(extra: &[(&str, &str)]) -> Self {
        let db = TestDb::new().await;
        let config = config_with(&db, extra);
        let state = build_state(&config).expect("state");
        state.db.set_schema_ready();
        let router = router(state.clone(), (&config).into());
        let origin = config.public_url.trim_end_matches('/').to_owned();
        Self {
            db,
            state,
            router,
            origin,
        }
    }

    /// Like [`TestApp::new`], with the demo practice seeded.
    pub async fn with_demo() -> Self {
        Self::with_demo_and(&[]).await
    }

    pub async fn with_demo_and(extra: &[(&str, &str)]) -> Self {
        let app = Self::with_settings(extra).await;
        let mut conn = app.db.conn().await;
        seed::seed_demo(&mut conn, &app.state.passwords, &app.state.vault)
            .await
            .expect("seed demo");
        app
    }

    /// A second app instance (its own state and pool) on the same database.
    pub fn another_instance(&self) -> Router {
        self.another_instance_with(&[])
    }

    /// A second instance on the same database, configured with `extra`
    /// (a restart with changed settings).
    pub fn another_instance_with(&self, extra: &[(&str, &str)]) -> Router {
        let config = config_with(&self.db, extra);
        let state = build_state(&config).expect("state");
        state.db.set_schema_ready();
        router(state, (&config).into())
    }

    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// A fresh browser (no cookies) on this app.
    pub fn browser(&self) -> Browser {
        Browser {
            origin: self.origin.clone(),
            ..Browser::new(self.router.clone())
        }
    }

    /// A fresh browser signed in as `email` with the demo password.
    pub async fn signed_in(&self, email: &str) -> Browser {
        let mut browser = self.browser();
        browser.sign_in(email, seed::DEMO_PASSWORD).await;
        browser
    }

    /// A page load without cookies.
    pub async fn get(&self, path: &str) -> Reply {
        self.browser().get(path).await
    }

    /// A server function call from a fresh browser (its first page load
    /// gave it a session and a CSRF token, nothing more).
    pub async fn call(&self, path: &str, form: &[(&str, &str)]) -> Reply {
        self.browser().call(path, form).await
    }

    /// A plain HTML form post without cookies, as a browser without
    /// JavaScript makes it.
    pub async fn post_html_form(&self, path: &str, form: &[(&str, &str)], referer: &str) -> Reply {
        self.browser().post_html_form(path, form, referer).await
    }
}

/// Keeps cookies between requests and sends what a same-origin browser
/// sends.
pub struct Browser {
    router: Router,
    pub cookies: HashMap<String, String>,
    /// The CSRF token a page gave this browser, and the session cookie it
    /// was given under (a new session means a new token).
    csrf: Option<(Option<String>, String)>,
    /// Sent as User-Agent when set.
    pub user_agent: Option<String>,
    /// Sent as Origin.
    pub origin: String,
}

impl Browser {
    pub fn new(router: Router) -> Self {
        Self {
            router,
            cookies: HashMap::new(),
            csrf: None,
            user_agent: None,
            origin: ORIGIN.to_owned(),
        }
    }

    /// The session's CSRF token, as the page's forms carry it; fetched
    /// again when the session changed since.
    pub async fn csrf_token(&mut self) -> String {
        let session = self.session_cookie().map(str::to_owned);
        if let Some((seen_under, token)) = &self.csrf
            && *seen_under == session
        {
            return token.clone();
        }
        let visitor = self.visitor().await;
        let session = self.session_cookie().map(str::to_owned);
        self.csrf = Some((session, visitor.csrf_token.clone()));
        visitor.csrf_token
    }

    /// Who the server says is looking, with the session's token.
    pub async fn visitor(&mut self) -> app::model::Visitor {
        let reply = self.fetch("/api/visitor").await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        serde_json::from_str(&reply.body).expect("Visitor JSON")
    }

    /// A read-only (GET) server function call.
    pub async fn fetch(&mut self, path: &str) -> Reply {
        let request =
            self.with_cookies(Request::get(path).header(header::ACCEPT, "application/json"));
        self.send(request.body(Body::empty()).expect("request"))
            .await
    }

    /// The session cookie's value, if any.
    pub fn session_cookie(&self) -> Option<&str> {
        self.cookies.get("__Host-cairn").map(String::as_str)
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        let request = self.with_cookies(
            Request::get(path).header(header::ACCEPT, "text/html,application/xhtml+xml"),
        );
        self.send(request.body(Body::empty()).expect("request"))
            .await
    }

    /// A server function call as the hydrated app makes it (with the
    /// session's CSRF token).
    pub async fn call(&mut self, path: &str, form: &[(&str, &str)]) -> Reply {
        let token = self.csrf_token().await;
        let mut form = form.to_vec();
        form.push(("csrf_token", &token));
        self.post(path, &form, "application/json", None).await
    }

    /// The same call without the token.
    pub async fn call_without_token(&mut self, path: &str, form: &[(&str, &str)]) -> Reply {
        self.post(path, form, "application/json", None).await
    }

    /// A plain HTML form post, as a browser without JavaScript makes it.
    pub async fn post_html_form(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
        referer: &str,
    ) -> Reply {
        let token = self.csrf_token().await;
        let mut form = form.to_vec();
        form.push(("csrf_token", &token));
        self.post(
            path,
            &form,
            "text/html,application/xhtml+xml",
            Some(referer),
        )
        .await
    }

    /// A same-origin form post with the cookies this browser holds.
    async fn post(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
        accept: &str,
        referer: Option<&str>,
    ) -> Reply {
        let body = encode(form);
        let mut request = self
            .with_cookies(Request::post(path))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::CONTENT_LENGTH, body.len())
            .header(header::ACCEPT, accept)
            .header(header::ORIGIN, &self.origin)
            .header("sec-fetch-site", "same-origin");
        if let Some(referer) = referer {
            request = request.header(header::REFERER, referer);
        }
        self.send(request.body(Body::from(body)).expect("request"))
            .await
    }

    /// Submits the sign-in form; answers what came back (a second step
    /// or a setup may follow).
    pub async fn submit_sign_in(&mut self, email: &str, password: &str) -> Reply {
        self.call("/api/sign-in", &[("email", email), ("password", password)])
            .await
    }

    /// Signs in and asserts it worked.
    pub async fn sign_in(&mut self, email: &str, password: &str) {
        let reply = self.submit_sign_in(email, password).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "sign-in failed: {}",
            reply.body
        );
        assert!(
            self.session_cookie().is_some(),
            "no session cookie after sign-in"
        );
    }

    /// Tries `password` for `email` `times` times and asserts each was
    /// refused.
    pub async fn fail_sign_in(&mut self, email: &str, password: &str, times: usize) {
        for _ in 0..times {
            let reply = self.submit_sign_in(email, password).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
        }
    }

    /// Who the server thinks is signed in (`None` when nobody).
    pub async fn current_user(&mut self) -> Option<app::model::CurrentUser> {
        self.visitor().await.user
    }

    fn with_cookies(&self, mut builder: http::request::Builder) -> http::request::Builder {
        if let Some(agent) = &self.user_agent {
            builder = builder.header(header::USER_AGENT, agent);
        }
        if self.cookies.is_empty() {
            return builder;
        }
        let line = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        builder.header(header::COOKIE, line)
    }

    async fn send(&mut self, request: Request<Body>) -> Reply {
        let reply = send(&self.router, request).await;
        for line in reply.set_cookies() {
            let pair = line.split(';').next().unwrap_or_default();
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let removed = line.to_ascii_lowercase().contains("max-age=0") || value.is_empty();
            if removed {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        reply
    }
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
    let config = config_for_urls("postgres://postgres@127.0.0.1:1/nothing", None, &[]);
    let state = build_state(&config).expect("state");
    state.db.set_schema_ready();
    router(state, (&config).into())
}
