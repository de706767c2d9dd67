//! Integration tests: each test gets a fresh database on the running
//! PostgreSQL server and a real server on a free port, driven over HTTP the
//! way a browser would (cookies, forms, redirects observed one by one).

mod helpers;

mod admin_users;
mod annual_score;
mod audit;
mod auth;
mod authz;
mod batches;
mod boundaries;
mod cn_2021_v2;
mod connections;
mod creation;
mod creation_import;
mod creation_lifecycle;
mod dashboard;
mod evaluate_api;
mod evaluation_cache;
mod expert_sheets;
mod experts;
mod exports;
mod form_limits;
mod hostile;
mod i18n;
mod joint;
mod materials;
mod migrations;
mod notice;
mod page_cache;
mod pages;
mod panels;
mod periods;
mod proposals;
mod public;
mod review;
mod rounds;
mod score_api;
mod self_assessment;
mod spreadsheets;
mod standards_admin;
mod table_form;
mod uploads;
