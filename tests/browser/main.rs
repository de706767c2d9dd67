//! Browser tests: real user journeys in headless Chromium (driven through
//! chromedriver) against a real server with its own database per test.
//!
//! Run with `cargo test --test browser`. Without chromium/chromedriver the
//! tests print `BROWSER TESTS SKIPPED` and pass, unless
//! `XIAOZHEN_REQUIRE_BROWSER=1` or `CI` is set, in which case they fail.
//! See `harness.rs` for the helpers (`Browser::launch`, `open`,
//! `login_through_form`, `logout`, `text`, `screenshot`, …).
//!
//! One file per journey; add yours below.

#[path = "../api/helpers.rs"]
mod helpers;

mod harness;

mod boundaries;
mod creation;
mod creation_import;
mod import;
mod login;
mod materials;
mod notice;
mod proposal;
mod publish;
mod review;
mod rounds;
mod standards;
mod table_form;
