//! Faults (issue 10): the database going away and coming back, concurrent
//! writers racing on one record, a server killed with SIGKILL in the middle
//! of a burst of writes, and two server instances sharing one database.
//! Each test drives real servers over HTTP.

#[path = "../api/helpers.rs"]
mod helpers;

mod support;

mod concurrency;
mod db_outage;
mod sigkill;
mod two_instances;
