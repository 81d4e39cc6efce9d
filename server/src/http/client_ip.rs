//! Who the client is: its IP address and user agent, for sessions, rate
//! limits and security notices.
//!
//! Behind a reverse proxy every connection comes from the proxy, so the real
//! address is in `X-Forwarded-For` — but anyone can send that header. It is
//! believed only when the connection comes from a configured trusted proxy,
//! and then the rightmost address that is not itself a trusted proxy wins
//! (the leftmost ones are whatever the client claimed).

use app::backend::client::ClientInfo;
use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::Response,
};
use http::{HeaderMap, header};
use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

/// Addresses of reverse proxies whose `X-Forwarded-For` is believed.
pub type TrustedProxies = Arc<Vec<IpAddr>>;

pub async fn client_info(
    State(trusted): State<TrustedProxies>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let info = ClientInfo {
        ip: peer.map(|peer| resolve(peer, request.headers(), &trusted)),
        // Only the device as described ("Firefox on Windows") is kept: the
        // raw string is free text and a fingerprint.
        user_agent: request
            .headers()
            .get(header::USER_AGENT)
            .map(|v| app::model::describe_device(Some(&String::from_utf8_lossy(v.as_bytes())))),
        request_id: request
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(|id| id.chars().take(100).collect()),
        session_hash: None,
    };
    request.extensions_mut().insert(info);
    next.run(request).await
}

/// Drops a client-supplied `X-Request-Id` unless the connection comes from
/// a trusted proxy: the id is written into the audit trail and the logs,
/// and anyone else could use it to forge or collide with another request's
/// id. Runs before the request-id layer, which then makes a fresh one.
pub async fn request_id_from_proxies_only(
    State(trusted): State<TrustedProxies>,
    mut request: Request,
    next: Next,
) -> Response {
    if !from_trusted_proxy(&request, &trusted) {
        request.headers_mut().remove(super::REQUEST_ID);
    }
    next.run(request).await
}

fn from_trusted_proxy(request: &Request, trusted: &[IpAddr]) -> bool {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|ConnectInfo(addr)| trusted.contains(&addr.ip()))
}

fn resolve(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !trusted.contains(ip))
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(xff: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_static(xff));
        headers
    }

    const PROXY: &str = "10.0.0.2";

    #[test]
    fn forwarded_for_is_ignored_from_untrusted_peers() {
        let peer: IpAddr = "203.0.113.9".parse().expect("ip");
        let trusted = vec![PROXY.parse().expect("ip")];
        assert_eq!(resolve(peer, &headers("198.51.100.1"), &trusted), peer);
    }

    #[test]
    fn a_trusted_proxy_yields_the_rightmost_untrusted_address() {
        let trusted = vec![PROXY.parse().expect("ip")];
        let client = resolve(
            PROXY.parse().expect("ip"),
            &headers("6.6.6.6, 198.51.100.7"),
            &trusted,
        );
        assert_eq!(client, "198.51.100.7".parse::<IpAddr>().expect("ip"));
    }

    #[test]
    fn a_trusted_proxy_without_the_header_is_the_client() {
        let trusted = vec![PROXY.parse().expect("ip")];
        let proxy: IpAddr = PROXY.parse().expect("ip");
        assert_eq!(resolve(proxy, &HeaderMap::new(), &trusted), proxy);
    }
}
