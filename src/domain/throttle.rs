//! Login throttling policy: what is counted, the limits, the delay.
//!
//! Failures are counted per (account, address) and per address; either over
//! its limit answers 429 without checking the password. An account is never
//! locked as a whole — that would let anyone lock out `admin` — but failures
//! against it from any address slow every further attempt on it a little
//! (at most [`MAX_DELAY`]), so guessing from many addresses stays slow while
//! its owner, from an address without failures, still gets in.

use std::time::Duration;

/// Failed logins allowed per (account, address), and per address, within
/// [`WINDOW_MINUTES`].
pub const MAX_FAILURES_PER_PAIR: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
pub const WINDOW_MINUTES: i32 = 15;

/// Failures against an account (from anywhere) before attempts on it slow
/// down, the delay each further failure adds, and the most it reaches.
pub const FREE_ACCOUNT_FAILURES: i64 = 5;
pub const DELAY_STEP: Duration = Duration::from_millis(500);
pub const MAX_DELAY: Duration = Duration::from_secs(3);

/// Which limit refused an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// This account from this address.
    Pair,
    /// Any account from this address.
    Address,
}

impl Limit {
    pub fn max_failures(self) -> i64 {
        match self {
            Limit::Pair => MAX_FAILURES_PER_PAIR,
            Limit::Address => MAX_FAILURES_PER_ADDRESS,
        }
    }

    /// The login page's message (with `%{minutes}`).
    pub fn message_key(self) -> &'static str {
        match self {
            Limit::Pair => "login.throttled",
            Limit::Address => "login.throttled_address",
        }
    }
}

/// The limit that failures counted so far exceed, if any (the pair first:
/// its message names the account's problem, which is the likelier one).
pub fn exceeded(pair_failures: i64, address_failures: i64) -> Option<Limit> {
    [(Limit::Pair, pair_failures), (Limit::Address, address_failures)]
        .into_iter()
        .find(|(limit, failures)| *failures >= limit.max_failures())
        .map(|(limit, _)| limit)
}

/// How long an attempt on an account waits before its password is checked,
/// given the account's recent failures from every address.
pub fn delay(account_failures: i64) -> Duration {
    let over = account_failures.saturating_sub(FREE_ACCOUNT_FAILURES - 1).max(0);
    let over = u32::try_from(over).unwrap_or(u32::MAX);
    DELAY_STEP.saturating_mul(over).min(MAX_DELAY)
}

/// Whole minutes, rounded up, for the page's "try again in N minutes".
pub fn minutes(retry_after_seconds: i64) -> i64 {
    (retry_after_seconds.max(1) + 59) / 60
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pair_or_the_address_over_its_limit_refuses() {
        assert_eq!(exceeded(4, 19), None);
        assert_eq!(exceeded(5, 5), Some(Limit::Pair));
        assert_eq!(exceeded(0, 20), Some(Limit::Address));
        assert_eq!(exceeded(7, 25), Some(Limit::Pair));
    }

    #[test]
    fn the_delay_grows_with_an_accounts_failures_and_stays_bounded() {
        assert_eq!(delay(0), Duration::ZERO);
        assert_eq!(delay(FREE_ACCOUNT_FAILURES - 1), Duration::ZERO);
        let steps: Vec<Duration> = (FREE_ACCOUNT_FAILURES..FREE_ACCOUNT_FAILURES + 8).map(delay).collect();
        assert!(steps.windows(2).all(|w| w[0] <= w[1]), "{steps:?}");
        assert_eq!(steps[0], DELAY_STEP);
        assert_eq!(delay(i64::MAX), MAX_DELAY);
        assert!(MAX_DELAY <= Duration::from_secs(5), "a few seconds at most");
    }

    #[test]
    fn minutes_round_up() {
        assert_eq!(minutes(900), 15);
        assert_eq!(minutes(61), 2);
        assert_eq!(minutes(0), 1);
    }
}
