//! Who is asking for a record, from where, and through which endpoint: the
//! three facts every grant, refusal and record of an access names, carried
//! as one value instead of three parameters.

use crate::backend::{
    audit::{Actor, Event, Origin},
    client::ClientInfo,
    identity::session::signed_in::SignedIn,
};
use crate::model::audit::{AuditAction, AuditOutcome};

/// A signed-in person asking through `endpoint`. Cloned into the work a
/// transaction runs (which cannot borrow from its caller).
#[derive(Debug, Clone)]
pub struct Caller {
    pub who: SignedIn,
    pub client: ClientInfo,
    pub endpoint: &'static str,
}

impl Caller {
    pub fn new(who: SignedIn, client: ClientInfo, endpoint: &'static str) -> Self {
        Self {
            who,
            client,
            endpoint,
        }
    }

    /// An event this caller did (allowed; say more with the builder's
    /// methods), naming the endpoint.
    pub fn event(&self, action: AuditAction) -> Event {
        self.event_as(action, AuditOutcome::Allowed)
            .on("endpoint", self.endpoint)
    }

    /// An event of this caller's with `outcome`, naming nothing yet.
    pub fn event_as(&self, action: AuditAction, outcome: AuditOutcome) -> Event {
        Event::new(action, outcome, Actor::of(&self.who), self.origin())
    }

    pub fn origin(&self) -> Origin {
        Origin::from(&self.client)
    }
}
