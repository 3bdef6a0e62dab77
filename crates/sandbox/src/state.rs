//! State shared by the server tasks: settings, the sandbox clock, provider state, the
//! fault queue and the hit counters.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::app_portal::AppPortalState;
use crate::faults::FaultQueue;
use crate::finicity::FinicityState;
use crate::snaptrade::SnapTradeState;
use crate::stats::Counters;

/// Behaviour knobs fixed at start-up (from [`SandboxConfig`](crate::SandboxConfig)).
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub token_lifetime: Duration,
    pub timestamp_tolerance: Duration,
    pub max_body_bytes: usize,
    pub lockout_threshold: u32,
}

/// All provider state, behind one lock (handlers are synchronous and short).
#[derive(Debug)]
pub(crate) struct State {
    pub finicity: FinicityState,
    pub app_portal: AppPortalState,
    pub snaptrade: SnapTradeState,
}

impl State {
    fn new() -> Self {
        Self {
            finicity: FinicityState::new(),
            app_portal: AppPortalState::new(),
            snaptrade: SnapTradeState::new(),
        }
    }
}

/// The base URL (`http://127.0.0.1:PORT`) of each listener.
#[derive(Debug, Clone)]
pub(crate) struct Origins {
    pub control: String,
    pub finicity: String,
    pub app_portal: String,
    pub snaptrade: String,
}

/// Everything the connection tasks share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub settings: Settings,
    /// The listeners' base URLs, for links the handlers hand out.
    pub origins: Origins,
    clock_offset: Mutex<Duration>,
    state: Mutex<State>,
    faults: Mutex<FaultQueue>,
    counters: Mutex<Counters>,
}

/// `t + d`, saturating at a far-future instant instead of panicking on overflow.
pub(crate) fn later(t: SystemTime, d: Duration) -> SystemTime {
    t.checked_add(d)
        .or_else(|| t.checked_add(Duration::from_secs(100 * 365 * 24 * 3600)))
        .unwrap_or(t)
}

/// Locks a mutex, ignoring poisoning (a panicking holder cannot leave these structures in
/// a state that is unsafe to read).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub fn new(settings: Settings, origins: Origins) -> Self {
        Self {
            settings,
            origins,
            clock_offset: Mutex::new(Duration::ZERO),
            state: Mutex::new(State::new()),
            faults: Mutex::new(FaultQueue::default()),
            counters: Mutex::new(Counters::default()),
        }
    }

    /// The sandbox clock: wall-clock time plus everything passed to `advance_time`.
    pub fn now(&self) -> SystemTime {
        later(SystemTime::now(), *lock(&self.clock_offset))
    }

    /// The sandbox clock in Unix seconds.
    pub fn now_unix(&self) -> i64 {
        match self.now().duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(_) => 0,
        }
    }

    pub fn advance_time(&self, by: Duration) {
        let mut offset = lock(&self.clock_offset);
        *offset = offset.saturating_add(by);
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    pub fn reset_state(&self) {
        *lock(&self.state) = State::new();
    }

    pub fn faults(&self) -> MutexGuard<'_, FaultQueue> {
        lock(&self.faults)
    }

    pub fn counters(&self) -> MutexGuard<'_, Counters> {
        lock(&self.counters)
    }
}

/// A string-keyed map with a capacity that remembers insertion order (for listings and for
/// evicting the oldest entry).
#[derive(Debug)]
pub(crate) struct BoundedMap<V> {
    map: HashMap<String, V>,
    order: VecDeque<String>,
    cap: usize,
}

impl<V> BoundedMap<V> {
    pub fn new(cap: usize) -> Self {
        Self {
            map: HashMap::new(),
            order: VecDeque::new(),
            cap,
        }
    }

    pub fn get(&self, key: &str) -> Option<&V> {
        self.map.get(key)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        self.map.get_mut(key)
    }

    pub fn contains(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    pub fn is_full(&self) -> bool {
        self.map.len() >= self.cap
    }

    /// Inserts or replaces; a new key evicts the oldest entry when the map is full.
    pub fn insert(&mut self, key: String, value: V) {
        if let Some(slot) = self.map.get_mut(&key) {
            *slot = value;
            return;
        }
        while self.map.len() >= self.cap {
            match self.order.pop_front() {
                Some(old) => {
                    self.map.remove(&old);
                }
                None => break,
            }
        }
        self.order.push_back(key.clone());
        self.map.insert(key, value);
    }

    pub fn remove(&mut self, key: &str) -> Option<V> {
        let value = self.map.remove(key)?;
        self.order.retain(|k| k != key);
        Some(value)
    }

    /// Removes entries from the oldest end while `expired` holds for them. For maps whose
    /// entries expire in insertion order this drops every expired entry in O(expired),
    /// where a full scan would walk the whole map on every insert of a full map.
    pub fn drop_oldest_while(&mut self, mut expired: impl FnMut(&V) -> bool) {
        while let Some(key) = self.order.front() {
            match self.map.get(key.as_str()) {
                Some(v) if !expired(v) => break,
                _ => {
                    if let Some(key) = self.order.pop_front() {
                        self.map.remove(&key);
                    }
                }
            }
        }
    }

    /// Entries, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &V)> {
        self.order
            .iter()
            .filter_map(|k| self.map.get_key_value(k.as_str()))
    }

    /// Mutable values (unordered).
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.map.values_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::BoundedMap;

    #[test]
    fn drops_expired_from_the_oldest_end_only() {
        let mut m = BoundedMap::new(10);
        for (k, v) in [("a", 1), ("b", 2), ("c", 9), ("d", 3)] {
            m.insert(k.into(), v);
        }
        m.drop_oldest_while(|v| *v < 5);
        let keys: Vec<&String> = m.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["c", "d"]);
    }

    #[test]
    fn evicts_oldest_and_keeps_order() {
        let mut m = BoundedMap::new(2);
        m.insert("a".into(), 1);
        m.insert("b".into(), 2);
        m.insert("a".into(), 10);
        m.insert("c".into(), 3);
        let keys: Vec<_> = m.iter().map(|(k, v)| (k.clone(), *v)).collect();
        assert_eq!(keys, vec![("b".into(), 2), ("c".into(), 3)]);
        assert_eq!(m.remove("b"), Some(2));
        m.insert("d".into(), 4);
        let keys: Vec<_> = m.iter().map(|(k, _)| k.clone()).collect();
        assert_eq!(keys, vec!["c", "d"]);
    }
}
