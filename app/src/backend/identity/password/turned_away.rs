//! A tally of the password checks turned away because the hasher was full.
//!
//! Each is answered at once; recording each in the audit trail as it
//! happened made a flood cost a durable, chained write per request, the
//! very work shedding is there to avoid. So they are counted here, by
//! address, and the trail gets one event per interval saying how many,
//! from how many addresses, and the busiest (`accounts::record_turned_away`).

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
};

/// Addresses counted one by one per interval; beyond that a flood from
/// many addresses is only counted, so the tally's memory stays bounded.
const ADDRESSES_KEPT: usize = 1024;

#[derive(Debug, Clone, Default)]
pub struct TurnedAway(Arc<Mutex<Tally>>);

#[derive(Debug, Default)]
struct Tally {
    total: u64,
    by_address: HashMap<Option<IpAddr>, u64>,
    /// Turned away from addresses past [`ADDRESSES_KEPT`].
    uncounted_addresses: bool,
}

/// What an interval's tally comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnedAwaySummary {
    pub total: u64,
    /// Distinct addresses (at least, when more were seen than kept).
    pub addresses: u64,
    /// The address most were turned away from, and how many.
    pub busiest: Option<(Option<IpAddr>, u64)>,
}

impl TurnedAway {
    /// Counts one turned away, from `ip`.
    pub fn count(&self, ip: Option<IpAddr>) {
        let Ok(mut tally) = self.0.lock() else { return };
        tally.total += 1;
        let kept = tally.by_address.len();
        match tally.by_address.get_mut(&ip) {
            Some(count) => *count += 1,
            None if kept < ADDRESSES_KEPT => {
                tally.by_address.insert(ip, 1);
            }
            None => tally.uncounted_addresses = true,
        }
    }

    /// Whether none were turned away since the last [`Self::take`].
    pub fn is_empty(&self) -> bool {
        self.0.lock().map_or(true, |tally| tally.total == 0)
    }

    /// The tally since the last call (`None` when nobody was turned
    /// away), and a fresh one from now.
    pub fn take(&self) -> Option<TurnedAwaySummary> {
        let tally = std::mem::take(&mut *self.0.lock().ok()?);
        if tally.total == 0 {
            return None;
        }
        let busiest = tally
            .by_address
            .iter()
            .max_by_key(|(_, count)| **count)
            .map(|(ip, count)| (*ip, *count));
        let kept = tally.by_address.len() as u64;
        Some(TurnedAwaySummary {
            total: tally.total,
            addresses: kept + u64::from(tally.uncounted_addresses),
            busiest,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_address_and_starts_again_once_taken() {
        let tally = TurnedAway::default();
        assert_eq!(tally.take(), None, "nothing to record");
        assert!(tally.is_empty());
        let busy: IpAddr = "192.0.2.7".parse().expect("address");
        let other: IpAddr = "198.51.100.1".parse().expect("address");
        for _ in 0..3 {
            tally.count(Some(busy));
        }
        tally.count(Some(other));
        assert!(!tally.is_empty());
        assert_eq!(
            tally.take(),
            Some(TurnedAwaySummary {
                total: 4,
                addresses: 2,
                busiest: Some((Some(busy), 3)),
            })
        );
        assert_eq!(tally.take(), None, "taken");
    }

    #[test]
    fn a_flood_from_many_addresses_is_counted_in_bounded_memory() {
        let tally = TurnedAway::default();
        for n in 0..(ADDRESSES_KEPT as u32 + 500) {
            tally.count(Some(IpAddr::from(n.to_be_bytes())));
        }
        assert_eq!(
            tally.0.lock().expect("tally").by_address.len(),
            ADDRESSES_KEPT
        );
        let summary = tally.take().expect("summary");
        assert_eq!(summary.total, ADDRESSES_KEPT as u64 + 500);
        assert_eq!(summary.addresses, ADDRESSES_KEPT as u64 + 1);
    }
}
