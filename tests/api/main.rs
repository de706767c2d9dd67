//! Integration tests: each test gets a fresh database on the running
//! PostgreSQL server and a real server on a free port, driven over HTTP the
//! way a browser would (cookies, forms, redirects observed one by one).

mod helpers;

mod auth;
mod evaluate_api;
mod i18n;
mod pages;
mod proposals;
