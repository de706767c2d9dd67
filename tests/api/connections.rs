//! Which requests keep a connection of the pages' pool, and for how long.
//! A page keeps the connection its session was read on for its handler
//! (counted in `tests/sql_count.rs`); a request with a body must not, for
//! its body can take as long to arrive as its sender likes.

use std::time::Duration;

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use xiaozhen::domain::Role;

use crate::helpers::TestApp;

/// A form whose body trickles in, on a server whose pages have one
/// connection: while it arrives, pages still answer, and the form is then
/// answered as usual.
#[tokio::test]
async fn a_form_arriving_slowly_leaves_the_pages_their_connection() {
    let app = TestApp::spawn().await;
    let one = app.sibling(1).await;
    let admin = one.reach(app.login_as(Role::Admin).await);
    let token = admin.csrf().await;
    let cookie = admin.session_cookie().expect("signed in");

    let body = format!(
        "csrf_token={token}&current_password=not-the-password&new_password=another-password-1&confirm_password=another-password-1"
    );
    let (first, rest) = body.split_at(body.len() / 2);
    let mut form = TcpStream::connect(one.addr).await.unwrap();
    let head = format!(
        "POST /account/password HTTP/1.1\r\nHost: {}\r\nCookie: xiaozhen_session={cookie}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        one.addr,
        body.len()
    );
    form.write_all(head.as_bytes()).await.unwrap();
    form.write_all(first.as_bytes()).await.unwrap();
    form.flush().await.unwrap();
    // The server reads the session (for the CSRF check) before the body.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let page = admin.get("/account/password").await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "a page while a form arrives: {}",
        &page.body[..page.body.len().min(300)]
    );

    form.write_all(rest.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(10), form.read_to_string(&mut answer))
        .await
        .expect("the form is answered")
        .unwrap();
    let status_line = answer.lines().next().unwrap_or_default();
    assert!(
        status_line.starts_with("HTTP/1.1 200") || status_line.starts_with("HTTP/1.1 422"),
        "the form's answer: {status_line}"
    );
    assert!(
        answer.contains("current_password"),
        "the form is shown again with its message"
    );
}
