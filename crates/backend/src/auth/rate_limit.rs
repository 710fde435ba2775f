//! Sign-in attempts are limited per account and per client address, so a password cannot be
//! guessed at request speed: neither against one account from many addresses, nor against many
//! accounts from one address.
//!
//! Each key has a token bucket: a full bucket allows a burst, then tokens come back one per
//! interval. Time is the app's clock, so tests can move it. Buckets live in memory: each
//! backend replica limits on its own, which still bounds guessing to a small multiple.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;

use chrono::{DateTime, TimeDelta, Utc};

/// How many attempts a key may burst, and how soon each one comes back.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    pub burst: u32,
    pub every: TimeDelta,
}

/// Five wrong passwords per account, then one more a minute.
pub const PER_ACCOUNT: Rate = Rate {
    burst: 5,
    every: TimeDelta::minutes(1),
};

/// Twenty sign-ins per client address, then one more every 15 seconds.
pub const PER_CLIENT: Rate = Rate {
    burst: 20,
    every: TimeDelta::seconds(15),
};

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

/// The sign-in limits of one backend process.
#[derive(Debug)]
pub struct SignInLimiter {
    accounts: Buckets<String>,
    clients: Buckets<IpAddr>,
}

impl Default for SignInLimiter {
    fn default() -> Self {
        SignInLimiter::new(PER_ACCOUNT, PER_CLIENT)
    }
}

impl SignInLimiter {
    pub fn new(per_account: Rate, per_client: Rate) -> Self {
        SignInLimiter {
            accounts: Buckets::new(per_account),
            clients: Buckets::new(per_client),
        }
    }

    /// Counts an attempt from `client` on `login` (case-insensitive), before the password is
    /// checked. `Err` holds how long to wait when either limit is reached.
    pub fn attempt(
        &self,
        client: IpAddr,
        login: &str,
        now: DateTime<Utc>,
    ) -> Result<(), TimeDelta> {
        self.clients.take(client, now, true)?;
        self.accounts.take(login.to_lowercase(), now, false)
    }

    /// Counts a wrong password against `login`.
    pub fn failed(&self, login: &str, now: DateTime<Utc>) {
        // Already checked non-empty by `attempt`; a concurrent attempt may have spent the last
        // token since, which only means the next attempt waits.
        let _ = self.accounts.take(login.to_lowercase(), now, true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    const CLIENT: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 9));

    #[test]
    fn an_account_allows_a_burst_of_failures_then_one_per_interval() {
        let limiter = SignInLimiter::default();
        let now = start();
        for _ in 0..PER_ACCOUNT.burst {
            limiter.attempt(CLIENT, "Ada", now).unwrap();
            limiter.failed("ada", now);
        }
        let wait = limiter.attempt(CLIENT, "ADA", now).unwrap_err();
        assert_eq!(wait, PER_ACCOUNT.every);
        // Other accounts are not affected.
        limiter.attempt(CLIENT, "bob", now).unwrap();

        let later = now + PER_ACCOUNT.every;
        limiter.attempt(CLIENT, "ada", later).unwrap();
        limiter.failed("ada", later);
        assert!(limiter.attempt(CLIENT, "ada", later).is_err());
        // Fully rested, the whole burst is back.
        let rested = later + PER_ACCOUNT.every * i32::try_from(PER_ACCOUNT.burst).unwrap();
        for _ in 0..PER_ACCOUNT.burst {
            limiter.attempt(CLIENT, "ada", rested).unwrap();
            limiter.failed("ada", rested);
        }
        assert!(limiter.attempt(CLIENT, "ada", rested).is_err());
    }

    #[test]
    fn successful_attempts_spend_only_the_client_budget() {
        let limiter = SignInLimiter::default();
        let now = start();
        for n in 0..PER_CLIENT.burst {
            limiter.attempt(CLIENT, &format!("user{n}"), now).unwrap();
        }
        let wait = limiter.attempt(CLIENT, "ada", now).unwrap_err();
        assert_eq!(wait, PER_CLIENT.every);
        let other = IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 7));
        limiter.attempt(other, "ada", now).unwrap();
        limiter
            .attempt(CLIENT, "ada", now + PER_CLIENT.every)
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
            limiter.failed(&format!("user{n}"), now);
        }
        let later = now + TimeDelta::seconds(2);
        limiter.failed("one-more", later);
        assert!(limiter.accounts.state.lock().unwrap().buckets.len() <= MAX_KEYS);
    }
}
