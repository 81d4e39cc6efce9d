//! What the operator's Prometheus scrapes (README, "Metrics"): requests by
//! route and status, their latency, the database pool, and the audit
//! trail's appends (how long each took, and how many of each action and
//! outcome, which include every sign-in's), and the alerts raised. Labels hold only route
//! templates, methods, statuses and the trail's fixed words: never an id, a
//! name or an address, so the scrape says nothing about anyone.
//!
//! One set per process: whatever records (the HTTP layer, the trail) adds
//! to it without carrying it around, and the metrics listener renders it.

use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{Histogram, exponential_buckets},
    },
    registry::Registry,
};
use std::{sync::LazyLock, time::Duration};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Request {
    route: String,
    method: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Route {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AlertKind {
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AuditKind {
    action: &'static str,
    outcome: &'static str,
}

/// Seconds from 1 ms to about 16 s, doubling.
fn seconds() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

struct Metrics {
    registry: Registry,
    requests: Family<Request, Counter>,
    latency: Family<Route, Histogram, fn() -> Histogram>,
    audit_append: Histogram,
    audit_events: Family<AuditKind, Counter>,
    alerts: Family<AlertKind, Counter>,
    pool_open: Gauge,
    pool_idle: Gauge,
    pool_max: Gauge,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let requests = Family::<Request, Counter>::default();
    let latency = Family::new_with_constructor(seconds as fn() -> Histogram);
    let audit_append = seconds();
    let audit_events = Family::<AuditKind, Counter>::default();
    let alerts = Family::<AlertKind, Counter>::default();
    let (pool_open, pool_idle, pool_max) = (Gauge::default(), Gauge::default(), Gauge::default());
    let mut registry = Registry::with_prefix("cairn");
    registry.register(
        "http_requests",
        "Requests answered, by route template, method and status",
        requests.clone(),
    );
    registry.register(
        "http_request_duration_seconds",
        "Time to answer a request, by route template",
        latency.clone(),
    );
    registry.register(
        "audit_append_duration_seconds",
        "Time to append to the audit trail, waiting for its lane's lock included",
        audit_append.clone(),
    );
    registry.register(
        "audit_events_appended",
        "Audit events appended, by action and outcome (sign-ins are the sign_in.* actions); an event whose transaction then rolls back is counted too",
        audit_events.clone(),
    );
    registry.register("alerts_raised", "Alerts raised, by kind", alerts.clone());
    registry.register(
        "db_pool_connections",
        "Database connections open in the pool",
        pool_open.clone(),
    );
    registry.register(
        "db_pool_idle_connections",
        "Open database connections not in use",
        pool_idle.clone(),
    );
    registry.register(
        "db_pool_max_connections",
        "The most connections the pool opens (CAIRN_DB_POOL_SIZE)",
        pool_max.clone(),
    );
    Metrics {
        registry,
        requests,
        latency,
        audit_append,
        audit_events,
        alerts,
        pool_open,
        pool_idle,
        pool_max,
    }
});

/// A request answered. `route` is the template it matched (never the path
/// with its ids) or a fixed word for what matched none, so the labels stay
/// a short, fixed list whatever paths are asked for.
pub fn request_answered(route: &str, method: &'static str, status: u16, took: Duration) {
    METRICS
        .requests
        .get_or_create(&Request {
            route: route.to_owned(),
            method,
            status,
        })
        .inc();
    METRICS
        .latency
        .get_or_create(&Route {
            route: route.to_owned(),
        })
        .observe(took.as_secs_f64());
}

/// Events appended to the trail in one turn of a lane's lock.
pub fn audit_appended(kinds: impl Iterator<Item = (&'static str, &'static str)>, took: Duration) {
    METRICS.audit_append.observe(took.as_secs_f64());
    for (action, outcome) in kinds {
        METRICS
            .audit_events
            .get_or_create(&AuditKind { action, outcome })
            .inc();
    }
}

/// An alert raised (by the pass that kept it).
pub fn alert_raised(kind: &'static str) {
    METRICS.alerts.get_or_create(&AlertKind { kind }).inc();
}

/// How the database pool stands at the moment of a scrape.
#[derive(Debug, Clone, Copy)]
pub struct PoolUse {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

/// Everything, in Prometheus' text format.
pub fn render(pool: PoolUse) -> String {
    METRICS.pool_open.set(i64::from(pool.open));
    METRICS.pool_idle.set(i64::from(pool.idle));
    METRICS.pool_max.set(i64::from(pool.max));
    let mut text = String::new();
    // Writing into a String cannot fail.
    let _ = encode(&mut text, &METRICS.registry);
    text
}
