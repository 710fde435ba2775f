//! Limits on the two requests an attacker repeats: signing in and signing up.
//!
//! - Sign-in attempts are limited per client address (one address cannot spray many
//!   accounts) and wrong passwords per (account, client): five, then one a minute. Nobody can
//!   lock an owner out, because another client's failures never count against the owner's
//!   address. Guessing one account from many addresses is slowed instead: every attempt on an
//!   account waits a little longer the more wrong passwords it has had lately, up to
//!   [`MAX_SLOW_DOWN`], and still succeeds with the right password.
//! - Sign-ups are limited per client address and across all of them, so a flood of accounts
//!   can neither fill the store nor starve sign-ins of the password-hashing threads.
//!
//! Each key has a token bucket: a full bucket allows a burst, then tokens come back one per
//! interval. Time is the app's clock, so tests can move it. Buckets live in memory: each
//! backend replica limits on its own, which still bounds guessing to a small multiple.

use cruddur_contract::UserId;
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

/// How many attempts a key may burst, and how soon each one comes back.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    pub burst: u32,
    pub every: TimeDelta,
}

/// Five wrong passwords per account from one client, then one more a minute.
pub const PER_ACCOUNT_AND_CLIENT: Rate = Rate {
    burst: 5,
    every: TimeDelta::minutes(1),
};

/// Twenty sign-ins per client address, then one more every 15 seconds.
pub const PER_CLIENT: Rate = Rate {
    burst: 20,
    every: TimeDelta::seconds(15),
};

/// The wrong passwords an account remembers for its slow-down: one is forgotten a minute.
const ACCOUNT_FAILURES: Rate = Rate {
    burst: 60,
    every: TimeDelta::minutes(1),
};

/// Wrong passwords on an account, from anywhere, before its attempts are slowed.
const FAILURES_BEFORE_SLOW_DOWN: u32 = 5;
/// The slow-down grows by this much per further wrong password...
const SLOW_DOWN_STEP: Duration = Duration::from_millis(200);
/// ...up to this, which keeps a web sign-in within the frontend's budget.
pub const MAX_SLOW_DOWN: Duration = Duration::from_secs(2);

/// Keys kept before full buckets are forgotten (a full bucket is what a new key gets anyway).
/// The sweep runs at most once per interval, so a flood of keys costs no sweep per request.
const MAX_KEYS: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: u32,
    /// When the next token comes back, if the bucket is not full.
    refills_at: DateTime<Utc>,
}

/// Token buckets by key.
#[derive(Debug)]
struct Buckets<K> {
    rate: Rate,
    state: Mutex<State<K>>,
}

#[derive(Debug)]
struct State<K> {
    buckets: HashMap<K, Bucket>,
    swept_at: Option<DateTime<Utc>>,
}

impl<K: Eq + Hash> Buckets<K> {
    fn new(rate: Rate) -> Self {
        Buckets {
            rate,
            state: Mutex::new(State {
                buckets: HashMap::new(),
                swept_at: None,
            }),
        }
    }

    /// `bucket` brought up to `now`.
    fn refilled(&self, bucket: Bucket, now: DateTime<Utc>) -> Bucket {
        let mut bucket = bucket;
        while bucket.tokens < self.rate.burst && bucket.refills_at <= now {
            bucket.tokens += 1;
            bucket.refills_at += self.rate.every;
        }
        if bucket.tokens == self.rate.burst {
            bucket.refills_at = now;
        }
        bucket
    }

    /// How many tokens of `key` are spent as of `now`.
    fn spent(&self, key: &K, now: DateTime<Utc>) -> u32 {
        let state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        state.buckets.get(key).map_or(0, |bucket| {
            self.rate.burst - self.refilled(*bucket, now).tokens
        })
    }

    /// Spends one token of `key` (when `spend`) or only checks there is one. `Err` holds how
    /// long until the next token.
    fn take(&self, key: K, now: DateTime<Utc>, spend: bool) -> Result<(), TimeDelta> {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let sweep_due = state
            .swept_at
            .is_none_or(|swept| now - swept >= self.rate.every);
        if state.buckets.len() >= MAX_KEYS && sweep_due {
            let burst = self.rate.burst;
            state
                .buckets
                .retain(|_, bucket| self.refilled(*bucket, now).tokens < burst);
            state.swept_at = Some(now);
        }
        let full = Bucket {
            tokens: self.rate.burst,
            refills_at: now,
        };
        let bucket = state.buckets.entry(key).or_insert(full);
        *bucket = self.refilled(*bucket, now);
        if bucket.tokens == 0 {
            return Err(bucket.refills_at - now);
        }
        if spend {
            if bucket.tokens == self.rate.burst {
                bucket.refills_at = now + self.rate.every;
            }
            bucket.tokens -= 1;
        }
        Ok(())
    }
}

/// An account as the limits know it: its id once found, else the login as typed, so that a
/// handle and an email of the same account share one count.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AccountKey {
    User(UserId),
    Unknown(String),
}

impl AccountKey {
    pub fn unknown(login: &str) -> Self {
        AccountKey::Unknown(login.to_lowercase())
    }
}

/// The sign-in limits of one backend process.
#[derive(Debug)]
pub struct SignInLimiter {
    clients: Buckets<IpAddr>,
    pairs: Buckets<(AccountKey, IpAddr)>,
    accounts: Buckets<AccountKey>,
}

impl Default for SignInLimiter {
    fn default() -> Self {
        SignInLimiter::new(PER_ACCOUNT_AND_CLIENT, PER_CLIENT)
    }
}

impl SignInLimiter {
    pub fn new(per_account_and_client: Rate, per_client: Rate) -> Self {
        SignInLimiter {
            clients: Buckets::new(per_client),
            pairs: Buckets::new(per_account_and_client),
            accounts: Buckets::new(ACCOUNT_FAILURES),
        }
    }

    /// Counts an attempt from `client`, before the account is looked up. `Err` holds how long
    /// to wait.
    pub fn attempt(&self, client: IpAddr, now: DateTime<Utc>) -> Result<(), TimeDelta> {
        self.clients.take(client, now, true)
    }

    /// Checks that `client` may still try `account`, and says how long the attempt must wait
    /// first. `Err` holds how long until `client` may try again.
    pub fn admit(
        &self,
        account: &AccountKey,
        client: IpAddr,
        now: DateTime<Utc>,
    ) -> Result<Duration, TimeDelta> {
        self.pairs.take((account.clone(), client), now, false)?;
        let failures = self.accounts.spent(account, now);
        let slowed = failures.saturating_sub(FAILURES_BEFORE_SLOW_DOWN);
        Ok((SLOW_DOWN_STEP * slowed).min(MAX_SLOW_DOWN))
    }

    /// Counts a wrong password from `client` against `account`.
    pub fn failed(&self, account: &AccountKey, client: IpAddr, now: DateTime<Utc>) {
        // Already checked non-empty by `admit`; a concurrent attempt may have spent the last
        // token since, which only means the next attempt waits.
        let _ = self.pairs.take((account.clone(), client), now, true);
        let _ = self.accounts.take(account.clone(), now, true);
    }
}

/// How many sign-ups are allowed: per client address in an hour, and across all addresses in
/// a minute. Each is a burst that comes back evenly over its period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignUpRates {
    pub per_client_per_hour: u32,
    pub per_minute: u32,
}

impl Default for SignUpRates {
    fn default() -> Self {
        SignUpRates {
            per_client_per_hour: 10,
            per_minute: 300,
        }
    }
}

/// The sign-up limits of one backend process.
#[derive(Debug)]
pub struct SignUpLimiter {
    clients: Buckets<IpAddr>,
    everyone: Buckets<()>,
}

impl SignUpLimiter {
    pub fn new(rates: SignUpRates) -> Self {
        let rate = |burst: u32, period: TimeDelta| Rate {
            burst: burst.max(1),
            every: period / i32::try_from(burst.max(1)).unwrap_or(i32::MAX),
        };
        SignUpLimiter {
            clients: Buckets::new(rate(rates.per_client_per_hour, TimeDelta::hours(1))),
            everyone: Buckets::new(rate(rates.per_minute, TimeDelta::minutes(1))),
        }
    }

    /// Counts a sign-up from `client`. `Err` holds how long to wait.
    pub fn attempt(&self, client: IpAddr, now: DateTime<Utc>) -> Result<(), TimeDelta> {
        // The global budget is only checked here: a client over its own limit must not use
        // up everyone else's.
        self.clients.take(client, now, false)?;
        self.everyone.take((), now, true)?;
        self.clients.take(client, now, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    const CLIENT: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 9));
    const OTHER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 7));

    fn ada() -> AccountKey {
        AccountKey::User(UserId(uuid::Uuid::from_u128(7)))
    }

    #[test]
    fn a_client_gets_a_burst_of_failures_per_account_then_one_per_interval() {
        let limiter = SignInLimiter::default();
        let now = start();
        for _ in 0..PER_ACCOUNT_AND_CLIENT.burst {
            limiter.admit(&ada(), CLIENT, now).unwrap();
            limiter.failed(&ada(), CLIENT, now);
        }
        let wait = limiter.admit(&ada(), CLIENT, now).unwrap_err();
        assert_eq!(wait, PER_ACCOUNT_AND_CLIENT.every);
        // Other accounts from this client, and this account from other clients, go on.
        limiter
            .admit(&AccountKey::unknown("bob"), CLIENT, now)
            .unwrap();
        limiter.admit(&ada(), OTHER, now).unwrap();

        let later = now + PER_ACCOUNT_AND_CLIENT.every;
        limiter.admit(&ada(), CLIENT, later).unwrap();
        limiter.failed(&ada(), CLIENT, later);
        assert!(limiter.admit(&ada(), CLIENT, later).is_err());
    }

    #[test]
    fn failures_from_many_clients_slow_an_account_down_but_never_lock_it() {
        let limiter = SignInLimiter::default();
        let now = start();
        let attacker = |n: u32| IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + n));
        for n in 0..FAILURES_BEFORE_SLOW_DOWN {
            assert_eq!(limiter.admit(&ada(), attacker(n), now), Ok(Duration::ZERO));
            limiter.failed(&ada(), attacker(n), now);
        }
        limiter.failed(&ada(), attacker(100), now);
        assert_eq!(limiter.admit(&ada(), OTHER, now), Ok(SLOW_DOWN_STEP));
        for n in 0..50 {
            limiter.failed(&ada(), attacker(200 + n), now);
        }
        // The owner, from an address of their own, waits at most the cap.
        assert_eq!(limiter.admit(&ada(), OTHER, now), Ok(MAX_SLOW_DOWN));
        // Failures are forgotten with time.
        let rested = now + ACCOUNT_FAILURES.every * 60;
        assert_eq!(limiter.admit(&ada(), OTHER, rested), Ok(Duration::ZERO));
    }

    #[test]
    fn every_attempt_spends_the_client_budget() {
        let limiter = SignInLimiter::default();
        let now = start();
        for _ in 0..PER_CLIENT.burst {
            limiter.attempt(CLIENT, now).unwrap();
        }
        assert_eq!(limiter.attempt(CLIENT, now), Err(PER_CLIENT.every));
        limiter.attempt(OTHER, now).unwrap();
        limiter.attempt(CLIENT, now + PER_CLIENT.every).unwrap();
    }

    #[test]
    fn sign_ups_are_limited_per_client_and_overall() {
        let limiter = SignUpLimiter::new(SignUpRates {
            per_client_per_hour: 3,
            per_minute: 5,
        });
        let now = start();
        for _ in 0..3 {
            limiter.attempt(CLIENT, now).unwrap();
        }
        assert_eq!(limiter.attempt(CLIENT, now), Err(TimeDelta::minutes(20)));
        // Refused attempts do not spend the global budget: two are left for others.
        limiter.attempt(OTHER, now).unwrap();
        limiter.attempt(OTHER, now).unwrap();
        let third = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
        assert_eq!(limiter.attempt(third, now), Err(TimeDelta::seconds(12)));
        limiter
            .attempt(third, now + TimeDelta::seconds(12))
            .unwrap();
    }

    #[test]
    fn memory_stays_bounded_by_forgetting_full_buckets() {
        let limiter = SignInLimiter::new(
            Rate {
                burst: 1,
                every: TimeDelta::seconds(1),
            },
            PER_CLIENT,
        );
        let now = start();
        for n in 0..(MAX_KEYS * 2) {
            limiter.failed(&AccountKey::unknown(&format!("user{n}")), CLIENT, now);
        }
        let later = now + TimeDelta::seconds(2);
        limiter.failed(&AccountKey::unknown("one-more"), CLIENT, later);
        assert!(limiter.pairs.state.lock().unwrap().buckets.len() <= MAX_KEYS);
    }
}
