//! Who is on the other end of a request, as far as the server can tell.

use sha2::{Digest, Sha256};
use std::net::IpAddr;
use tower_sessions::session::Id;

/// The stored key of a session id: its SHA-256. The sessions table and the
/// trail know a session only by this, never by the id itself.
pub fn id_hash(id: &Id) -> Vec<u8> {
    Sha256::digest(id.to_string().as_bytes()).to_vec()
}

/// Set on every request by the server's middleware: the client's address
/// (from the socket, or from `X-Forwarded-For` only when the socket peer is a
/// configured trusted proxy) and its user agent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    pub ip: Option<IpAddr>,
    /// The device as described from the user agent ("Firefox on Windows",
    /// `model::describe_device`), never the raw string.
    pub user_agent: Option<String>,
    /// The request's id (`x-request-id`), for the audit trail and logs.
    pub request_id: Option<String>,
    /// SHA-256 (hex) of the session id the request came with, as the
    /// sessions table keys it: ties audit events of one session together.
    /// Filled in by the server functions' `client()`.
    pub session_hash: Option<String>,
}

impl ClientInfo {
    /// Notes the session the request came with (its hash, never the id).
    pub fn set_session(&mut self, session: &tower_sessions::Session) {
        self.session_hash = session.id().map(|id| super::secret::hex(&id_hash(&id)));
    }

    /// The key of this client's rate-limit buckets. Clients whose address
    /// is unknown (only in tests: a real socket always has one) share one.
    pub fn throttle_key(&self) -> String {
        match self.ip {
            Some(ip) => format!("ip:{ip}"),
            None => "ip:unknown".to_owned(),
        }
    }
}
