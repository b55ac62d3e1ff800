//! The real server on a real socket: raw HTTP/1.1 over `tokio::net::TcpStream`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::time::Duration;

use axum_expense::{app, engine, serve, Db};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

const LIMIT: Duration = Duration::from_secs(10);

/// Sends one request with `Connection: close`; returns the status code and the body.
async fn send(addr: SocketAddr, method: &str, path: &str, user: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let user = user
        .map(|u| format!("x-demo-user: {u}\r\n"))
        .unwrap_or_default();
    let req =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{user}Connection: close\r\n\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    timeout(LIMIT, stream.read_to_end(&mut raw))
        .await
        .expect("response within the limit")
        .unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {head:?}"));
    (status, body.to_owned())
}

#[tokio::test]
async fn serves_over_tcp_and_shuts_down() {
    let db = Db::in_memory().unwrap();
    db.seed().unwrap();
    let app = app(engine().unwrap(), db).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, app, async {
        let _ = stopped.await;
    }));

    let (status, body) = send(addr, "GET", "/health", None).await;
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ok"}"#));

    let (status, body) = send(addr, "GET", "/expenses/e1", Some("alice")).await;
    assert_eq!(status, 200);
    assert!(body.contains(r#""owner":"alice""#), "{body}");

    let (status, body) = send(addr, "GET", "/expenses/e1", Some("bob")).await;
    assert_eq!(status, 403);
    assert!(!body.contains("alice"), "a refusal leaks nothing: {body}");

    assert_eq!(send(addr, "GET", "/expenses", None).await.0, 401);

    let (status, body) = send(addr, "HEAD", "/health", None).await;
    assert_eq!((status, body.as_str()), (200, ""));

    assert_eq!(send(addr, "PATCH", "/expenses", Some("ada")).await.0, 405);
    assert_eq!(send(addr, "GET", "/nope", Some("ada")).await.0, 404);

    stop.send(()).unwrap();
    timeout(LIMIT, server)
        .await
        .expect("the server stops within the limit")
        .unwrap()
        .unwrap();
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "the listener is closed after shutdown"
    );
}
