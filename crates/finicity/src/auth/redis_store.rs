//! [`RedisStore`]: the token, refresh lock, lockout budget and rotation record of one partner
//! in Redis, shared by every process of a fleet (feature `redis`).
//!
//! See [`RedisStore`] for the keys, scripts and sealing.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fintra_core::BoxFuture;
use fintra_core::secret::{ExposeSecret, SecretString};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, Script};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hkdf::{HKDF_SHA256, Salt};
use ring::rand::{SecureRandom, SystemRandom};

use super::failure::BudgetLocation;
use super::store::{
    AuthStore, Backoff, BudgetRecord, RotationRecord, SlotDecision, SlotOutcome, StoreError,
    StoredToken,
};

const TAKE_SLOT: &str = r"
local f = tonumber(redis.call('HGET', KEYS[1], 'failures') or '0')
local fl = tonumber(redis.call('HGET', KEYS[1], 'in_flight') or '0')
local locked = tonumber(redis.call('HGET', KEYS[1], 'locked') or '0')
local last = tonumber(redis.call('HGET', KEYS[1], 'last_ms') or '-1')
local budget = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local base = tonumber(ARGV[3])
local max = tonumber(ARGV[4])
if locked == 1 then return {2, f, fl, 0} end
if f + fl >= budget then return {1, f, fl, 0} end
if base > 0 and f > 0 and last >= 0 then
  local wait = base * math.pow(2, math.min(f - 1, 16))
  if wait > max then wait = max end
  local left = last + wait - now
  if left > wait then left = wait end
  if left > 0 then return {3, f, fl, math.floor(left)} end
end
redis.call('HSET', KEYS[1], 'in_flight', fl + 1, 'last_ms', now)
return {0, f, fl + 1, 0}
";

const SETTLE: &str = r"
local fl = tonumber(redis.call('HGET', KEYS[1], 'in_flight') or '0')
if fl > 0 then fl = fl - 1 end
local f = tonumber(redis.call('HGET', KEYS[1], 'failures') or '0')
local locked = tonumber(redis.call('HGET', KEYS[1], 'locked') or '0')
if ARGV[1] == 'ok' then f = 0
elseif ARGV[1] == 'fail' then f = f + 1
elseif ARGV[1] == 'locked' then f = f + 1; locked = 1 end
redis.call('HSET', KEYS[1], 'in_flight', fl, 'failures', f, 'locked', locked)
return {f, fl, locked}
";

const UNLOCK: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
";

const PUT_TOKEN: &str = r"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local g = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[2], 'gen', g, 'issued_ms', ARGV[2], 'sealed', ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return g
";

const DROP_TOKEN: &str = r"
if redis.call('HGET', KEYS[1], 'gen') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
";

/// The keys of one partner.
#[derive(Debug, Clone)]
struct Keys {
    budget: String,
    lock: String,
    token: String,
    generation: String,
    rotation: String,
}

impl Keys {
    fn new(partner_id: &str) -> Self {
        let prefix = format!("fintra:finicity:{{{partner_id}}}:");
        Keys {
            budget: format!("{prefix}budget"),
            lock: format!("{prefix}lock"),
            token: format!("{prefix}token"),
            generation: format!("{prefix}generation"),
            rotation: format!("{prefix}rotation"),
        }
    }
}

/// The budget key of `partner_id` (for operators and tools).
pub fn budget_key(partner_id: &str) -> String {
    Keys::new(partner_id).budget
}

/// The Redis URL without a password, for messages.
fn display_url(url: &str) -> String {
    match (url.split_once("://"), url.rfind('@')) {
        (Some((scheme, _)), Some(at)) => format!("{scheme}://{}", &url[at + 1..]),
        _ => url.to_owned(),
    }
}

fn seal_key(
    partner_id: &str,
    partner_secret: &SecretString,
    app_key: &SecretString,
) -> LessSafeKey {
    let salt = Salt::new(HKDF_SHA256, b"fintra-finicity-token-seal-v1");
    let mut ikm = Vec::with_capacity(256);
    ikm.extend_from_slice(partner_secret.expose_secret().as_bytes());
    ikm.push(0);
    ikm.extend_from_slice(app_key.expose_secret().as_bytes());
    let prk = salt.extract(&ikm);
    let info = [partner_id.as_bytes()];
    let okm = prk
        .expand(&info, &AES_256_GCM)
        .unwrap_or_else(|_| unreachable!("32 bytes is a valid HKDF-SHA256 output length"));
    LessSafeKey::new(UnboundKey::from(okm))
}

fn millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis().min(u128::from(u64::MAX)) as u64)
        .unwrap_or(0)
}

fn from_millis(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

/// The Redis store (feature `redis`): the token, refresh lock, lockout budget and rotation
/// record of one partner, shared by every process of a fleet.
///
/// Keys (one hash or string each), for partner id `P`:
///
/// | key | holds |
/// |---|---|
/// | `fintra:finicity:{P}:budget` | hash `failures`, `in_flight`, `locked`, `last_ms` |
/// | `fintra:finicity:{P}:lock` | the refresh lock: a random owner value with a TTL |
/// | `fintra:finicity:{P}:token` | hash `gen`, `issued_ms`, `sealed` (AES-256-GCM), with a TTL |
/// | `fintra:finicity:{P}:generation` | the generation counter |
/// | `fintra:finicity:{P}:rotation` | hash `at_ms`, `fp`, `prev_fp`, `grace_ms` |
///
/// Taking a budget slot, settling it, storing a token under the lock (the generation fence)
/// and releasing the lock (compare-and-delete) are Lua scripts, atomic in Redis.
///
/// The token is sealed with AES-256-GCM under a key derived (HKDF-SHA256) from the partner
/// secret and the app key, so read access to Redis alone yields no usable token.
///
/// ```no_run
/// # async fn run() -> Result<(), fintra_core::Error> {
/// use std::sync::Arc;
/// use fintra_finicity::{FinicityCredentials, FinicityClient};
/// use fintra_finicity::auth::RedisStore;
///
/// let credentials = FinicityCredentials::from_env().expect("FINICITY_* set");
/// let store = RedisStore::connect("redis://127.0.0.1:6379", &credentials).await?;
/// let finicity = FinicityClient::builder(credentials).store(Arc::new(store)).build()?;
/// # let _ = finicity; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    inner: Arc<RedisInner>,
}

struct RedisInner {
    con: ConnectionManager,
    url: String,
    partner_id: String,
    keys: Keys,
    seal: RwLock<Arc<LessSafeKey>>,
    app_key: SecretString,
    rng: SystemRandom,
    take_slot: Script,
    settle: Script,
    unlock: Script,
    put_token: Script,
    drop_token: Script,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("url", &self.inner.url)
            .field("keys", &self.inner.keys)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects to `url` (`redis://[:password@]host:port[/db]`) for the partner of
    /// `credentials`. Each command times out after 2 s; the connection is re-established
    /// in the background after a failure.
    pub async fn connect(
        url: &str,
        credentials: &crate::FinicityCredentials,
    ) -> Result<Self, fintra_core::Error> {
        let shown = display_url(url);
        let fail = |e: redis::RedisError| {
            fintra_core::Error::config(format!("cannot connect to Redis at {shown}: {e}"))
        };
        let client = redis::Client::open(url).map_err(fail)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let con = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(fail)?;
        Ok(RedisStore {
            inner: Arc::new(RedisInner {
                con,
                url: display_url(url),
                partner_id: credentials.partner_id.clone(),
                keys: Keys::new(&credentials.partner_id),
                seal: RwLock::new(Arc::new(seal_key(
                    &credentials.partner_id,
                    &credentials.partner_secret,
                    &credentials.app_key,
                ))),
                app_key: credentials.app_key.clone(),
                rng: SystemRandom::new(),
                take_slot: Script::new(TAKE_SLOT),
                settle: Script::new(SETTLE),
                unlock: Script::new(UNLOCK),
                put_token: Script::new(PUT_TOKEN),
                drop_token: Script::new(DROP_TOKEN),
            }),
        })
    }

    fn err(&self, e: redis::RedisError) -> StoreError {
        StoreError {
            store: self.inner.url.clone(),
            reason: e.to_string(),
        }
    }

    fn con(&self) -> ConnectionManager {
        self.inner.con.clone()
    }

    fn key(&self) -> Arc<LessSafeKey> {
        self.inner
            .seal
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn seal(&self, value: &SecretString) -> Result<Vec<u8>, StoreError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.inner.rng.fill(&mut nonce).map_err(|_| StoreError {
            store: self.inner.url.clone(),
            reason: "no randomness for the token seal".to_owned(),
        })?;
        let mut data = value.expose_secret().as_bytes().to_vec();
        self.key()
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(self.inner.partner_id.as_bytes()),
                &mut data,
            )
            .map_err(|_| StoreError {
                store: self.inner.url.clone(),
                reason: "could not seal the token".to_owned(),
            })?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        Ok(out)
    }

    /// `None` when the seal does not open (another secret sealed it, or it was tampered with).
    fn unseal(&self, sealed: &[u8]) -> Option<SecretString> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, data) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut data = data.to_vec();
        let plain = self
            .key()
            .open_in_place(
                nonce,
                Aad::from(self.inner.partner_id.as_bytes()),
                &mut data,
            )
            .ok()?;
        String::from_utf8(plain.to_vec())
            .ok()
            .map(SecretString::from)
    }

    async fn settle_with(
        &self,
        con: &mut ConnectionManager,
        outcome: SlotOutcome,
    ) -> Result<BudgetRecord, redis::RedisError> {
        let arg = match outcome {
            SlotOutcome::Succeeded => "ok",
            SlotOutcome::GivenBack => "back",
            SlotOutcome::Failed => "fail",
            SlotOutcome::AccountLocked => "locked",
        };
        let (failures, in_flight, locked): (u32, u32, u32) = self
            .inner
            .settle
            .key(&self.inner.keys.budget)
            .arg(arg)
            .invoke_async(con)
            .await?;
        Ok(BudgetRecord {
            failures,
            in_flight,
            locked: locked == 1,
            last_attempt_at: None,
        })
    }
}

impl AuthStore for RedisStore {
    fn location(&self) -> BudgetLocation {
        BudgetLocation {
            recorded_in: format!("redis key {} at {}", self.inner.keys.budget, self.inner.url),
            reset: format!(
                "fintra finicity lockout reset --partner-id {} --redis-url {}",
                self.inner.partner_id, self.inner.url
            ),
        }
    }

    fn name(&self) -> String {
        self.inner.url.clone()
    }

    fn rekey(&self, partner_secret: &SecretString) {
        let key = seal_key(&self.inner.partner_id, partner_secret, &self.inner.app_key);
        *self
            .inner
            .seal
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(key);
    }

    fn token(&self) -> BoxFuture<'_, Result<Option<StoredToken>, StoreError>> {
        Box::pin(async move {
            let (generation, issued, sealed): (Option<u64>, Option<u64>, Option<Vec<u8>>) = self
                .con()
                .hmget(&self.inner.keys.token, &["gen", "issued_ms", "sealed"])
                .await
                .map_err(|e| self.err(e))?;
            let (Some(generation), Some(issued), Some(sealed)) = (generation, issued, sealed)
            else {
                return Ok(None);
            };
            Ok(self.unseal(&sealed).map(|value| StoredToken {
                value,
                issued_at: from_millis(issued),
                generation,
            }))
        })
    }

    fn put_token<'a>(
        &'a self,
        owner: &'a str,
        value: &'a SecretString,
        issued_at: SystemTime,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Option<u64>, StoreError>> {
        Box::pin(async move {
            let sealed = self.seal(value)?;
            let k = &self.inner.keys;
            let generation: i64 = self
                .inner
                .put_token
                .key(&k.lock)
                .key(&k.token)
                .key(&k.generation)
                .arg(owner)
                .arg(millis(issued_at))
                .arg(sealed)
                .arg(ttl.as_millis().max(1) as u64)
                .invoke_async(&mut self.con())
                .await
                .map_err(|e| self.err(e))?;
            Ok(u64::try_from(generation).ok())
        })
    }

    fn drop_token(&self, generation: u64) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let _: i64 = self
                .inner
                .drop_token
                .key(&self.inner.keys.token)
                .arg(generation)
                .invoke_async(&mut self.con())
                .await
                .map_err(|e| self.err(e))?;
            Ok(())
        })
    }

    fn try_lock<'a>(
        &'a self,
        owner: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let set: Option<String> = redis::cmd("SET")
                .arg(&self.inner.keys.lock)
                .arg(owner)
                .arg("NX")
                .arg("PX")
                .arg(ttl.as_millis().max(1) as u64)
                .query_async(&mut self.con())
                .await
                .map_err(|e| self.err(e))?;
            Ok(set.is_some())
        })
    }

    fn unlock<'a>(&'a self, owner: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let _: i64 = self
                .inner
                .unlock
                .key(&self.inner.keys.lock)
                .arg(owner)
                .invoke_async(&mut self.con())
                .await
                .map_err(|e| self.err(e))?;
            Ok(())
        })
    }

    fn unlock_dropped(&self, owner: String) {
        let store = self.clone();
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move {
                let _ = store.unlock(&owner).await;
            });
        }
    }

    fn take_slot(
        &self,
        budget: u32,
        now: SystemTime,
        backoff: Option<Backoff>,
    ) -> BoxFuture<'_, Result<SlotDecision, StoreError>> {
        Box::pin(async move {
            let (base, max) = backoff.map_or((0, 0), |b| {
                (b.base.as_millis() as u64, b.max.as_millis() as u64)
            });
            let (code, failures, in_flight, retry_ms): (u32, u32, u32, u64) = self
                .inner
                .take_slot
                .key(&self.inner.keys.budget)
                .arg(budget)
                .arg(millis(now))
                .arg(base)
                .arg(max)
                .invoke_async(&mut self.con())
                .await
                .map_err(|e| self.err(e))?;
            Ok(match code {
                0 => SlotDecision::Granted,
                2 => SlotDecision::Locked,
                3 => SlotDecision::BackingOff {
                    failures,
                    retry_in: Duration::from_millis(retry_ms),
                },
                _ => SlotDecision::Spent(BudgetRecord {
                    failures,
                    in_flight,
                    locked: false,
                    last_attempt_at: None,
                }),
            })
        })
    }

    fn settle(&self, outcome: SlotOutcome) -> BoxFuture<'_, Result<BudgetRecord, StoreError>> {
        Box::pin(async move {
            self.settle_with(&mut self.con(), outcome)
                .await
                .map_err(|e| self.err(e))
        })
    }

    fn settle_dropped(&self) {
        let store = self.clone();
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => drop(handle.spawn(async move {
                if let Err(e) = store.settle_with(&mut store.con(), SlotOutcome::Failed).await {
                    tracing::warn!(error = %e, "could not record a cancelled attempt as failed; it stays counted as in flight");
                }
            })),
            Err(_) => tracing::warn!("no tokio runtime: the cancelled attempt stays counted as in flight"),
        }
    }

    fn budget(&self) -> BoxFuture<'_, Result<BudgetRecord, StoreError>> {
        Box::pin(async move {
            read_budget(&mut self.con(), &self.inner.keys)
                .await
                .map_err(|e| self.err(e))
        })
    }

    fn reset_budget(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            reset_budget(&mut self.con(), &self.inner.keys)
                .await
                .map_err(|e| self.err(e))
        })
    }

    fn record_rotation(&self, record: RotationRecord) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let _: () = redis::pipe()
                .atomic()
                .del(&self.inner.keys.rotation)
                .hset_multiple(
                    &self.inner.keys.rotation,
                    &[
                        ("at_ms", millis(record.rotated_at).to_string()),
                        ("fp", record.fingerprint.clone()),
                        (
                            "prev_fp",
                            record.previous_fingerprint.clone().unwrap_or_default(),
                        ),
                        (
                            "grace_ms",
                            record.grace_until.map(millis).unwrap_or(0).to_string(),
                        ),
                    ],
                )
                .query_async(&mut self.con())
                .await
                .map_err(|e| self.err(e))?;
            Ok(())
        })
    }

    fn rotation(&self) -> BoxFuture<'_, Result<Option<RotationRecord>, StoreError>> {
        Box::pin(async move {
            read_rotation(&mut self.con(), &self.inner.keys)
                .await
                .map_err(|e| self.err(e))
        })
    }
}

async fn read_budget(
    con: &mut ConnectionManager,
    keys: &Keys,
) -> Result<BudgetRecord, redis::RedisError> {
    let (failures, in_flight, locked, last): (Option<u32>, Option<u32>, Option<u32>, Option<u64>) =
        con.hmget(
            &keys.budget,
            &["failures", "in_flight", "locked", "last_ms"],
        )
        .await?;
    Ok(BudgetRecord {
        failures: failures.unwrap_or(0),
        in_flight: in_flight.unwrap_or(0),
        locked: locked == Some(1),
        last_attempt_at: last.map(from_millis),
    })
}

/// Clears the budget, including the in-flight slots of crashed processes (they would never
/// settle) and the account-locked mark.
async fn reset_budget(con: &mut ConnectionManager, keys: &Keys) -> Result<(), redis::RedisError> {
    con.del(&keys.budget).await
}

async fn read_rotation(
    con: &mut ConnectionManager,
    keys: &Keys,
) -> Result<Option<RotationRecord>, redis::RedisError> {
    let (at, fp, prev, grace): (Option<u64>, Option<String>, Option<String>, Option<u64>) = con
        .hmget(&keys.rotation, &["at_ms", "fp", "prev_fp", "grace_ms"])
        .await?;
    let (Some(at), Some(fingerprint)) = (at, fp) else {
        return Ok(None);
    };
    Ok(Some(RotationRecord {
        rotated_at: from_millis(at),
        fingerprint,
        previous_fingerprint: prev.filter(|p| !p.is_empty()),
        grace_until: grace.filter(|g| *g > 0).map(from_millis),
    }))
}

/// What Redis records about the fleet's token, without the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenInfo {
    /// The generation number.
    pub generation: u64,
    /// When CreateToken returned it.
    pub issued_at: SystemTime,
    /// How long Redis keeps it (its TTL), if it has one.
    pub ttl: Option<Duration>,
}

/// Operator access to a partner's state in Redis, without any credential: the budget (read
/// and reset), the rotation record and the token's metadata (never the token, which is
/// sealed anyway). Used by the `fintra` CLI.
#[derive(Clone)]
pub struct RedisAdmin {
    con: ConnectionManager,
    url: String,
    keys: Keys,
}

impl fmt::Debug for RedisAdmin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisAdmin")
            .field("url", &self.url)
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

impl RedisAdmin {
    /// Connects to `url` for `partner_id`.
    pub async fn connect(url: &str, partner_id: &str) -> Result<Self, StoreError> {
        let shown = display_url(url);
        let fail = |e: redis::RedisError| StoreError {
            store: shown.clone(),
            reason: e.to_string(),
        };
        let client = redis::Client::open(url).map_err(fail)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(1);
        let con = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(fail)?;
        Ok(RedisAdmin {
            con,
            url: shown,
            keys: Keys::new(partner_id),
        })
    }

    fn err(&self, e: redis::RedisError) -> StoreError {
        StoreError {
            store: self.url.clone(),
            reason: e.to_string(),
        }
    }

    /// The Redis URL, without a password.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The budget key.
    pub fn budget_key(&self) -> &str {
        &self.keys.budget
    }

    /// The budget as recorded.
    pub async fn budget(&self) -> Result<BudgetRecord, StoreError> {
        read_budget(&mut self.con.clone(), &self.keys)
            .await
            .map_err(|e| self.err(e))
    }

    /// Resets the budget (see the runbook before doing this).
    pub async fn reset_budget(&self) -> Result<(), StoreError> {
        reset_budget(&mut self.con.clone(), &self.keys)
            .await
            .map_err(|e| self.err(e))
    }

    /// The last recorded rotation.
    pub async fn rotation(&self) -> Result<Option<RotationRecord>, StoreError> {
        read_rotation(&mut self.con.clone(), &self.keys)
            .await
            .map_err(|e| self.err(e))
    }

    /// The token's metadata, if a token is stored.
    pub async fn token_info(&self) -> Result<Option<TokenInfo>, StoreError> {
        let mut con = self.con.clone();
        let (generation, issued): (Option<u64>, Option<u64>) = con
            .hmget(&self.keys.token, &["gen", "issued_ms"])
            .await
            .map_err(|e| self.err(e))?;
        let ttl_ms: i64 = con.pttl(&self.keys.token).await.map_err(|e| self.err(e))?;
        Ok(match (generation, issued) {
            (Some(generation), Some(issued)) => Some(TokenInfo {
                generation,
                issued_at: from_millis(issued),
                ttl: u64::try_from(ttl_ms).ok().map(Duration::from_millis),
            }),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_a_password() {
        assert_eq!(
            display_url("redis://:pw@host:6379/0"),
            "redis://host:6379/0"
        );
        assert_eq!(display_url("redis://user:p@ss@h:1"), "redis://h:1");
        assert_eq!(
            display_url("redis://127.0.0.1:6379"),
            "redis://127.0.0.1:6379"
        );
    }

    #[test]
    fn keys_are_namespaced_per_partner() {
        assert_eq!(budget_key("123"), "fintra:finicity:{123}:budget");
        assert_eq!(Keys::new("123").lock, "fintra:finicity:{123}:lock");
    }

    #[test]
    fn seal_keys_depend_on_secret_app_key_and_partner() {
        let a = seal_key("1", &"s-1".into(), &"k".into());
        let mut data = b"token".to_vec();
        let nonce = [7u8; NONCE_LEN];
        a.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(b"1"),
            &mut data,
        )
        .unwrap();
        for other in [
            seal_key("1", &"s-2".into(), &"k".into()),
            seal_key("1", &"s-1".into(), &"k2".into()),
            seal_key("2", &"s-1".into(), &"k".into()),
        ] {
            let mut copy = data.clone();
            assert!(
                other
                    .open_in_place(
                        Nonce::assume_unique_for_key(nonce),
                        Aad::from(b"1"),
                        &mut copy
                    )
                    .is_err()
            );
        }
        let mut copy = data.clone();
        let plain = a
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(b"1"),
                &mut copy,
            )
            .unwrap();
        assert_eq!(plain, b"token");
    }
}
