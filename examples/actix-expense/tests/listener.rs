//! The real server on a real socket: raw HTTP/1.1 over `std::net::TcpStream`, then a graceful
//! shutdown.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use actix_expense::{engine, server, AppState, Db};

const LIMIT: Duration = Duration::from_secs(10);

/// Sends one request with `Connection: close`; returns the status code and the body.
fn send(addr: SocketAddr, method: &str, path: &str, user: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(LIMIT)).unwrap();
    let user = user
        .map(|u| format!("x-demo-user: {u}\r\n"))
        .unwrap_or_default();
    let req =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{user}Connection: close\r\n\r\n");
    stream.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {head:?}"));
    (status, body.to_owned())
}

#[test]
fn serves_over_tcp_and_shuts_down() {
    let db = Db::in_memory().unwrap();
    db.seed().unwrap();
    let state = AppState {
        db,
        engine: engine().unwrap(),
    };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = server(listener, state, 1)?;
            tx.send(server.handle()).unwrap();
            server.await
        })
    });
    let handle = rx.recv_timeout(LIMIT).unwrap();

    let (status, body) = send(addr, "GET", "/health", None);
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ok"}"#));

    let (status, body) = send(addr, "GET", "/expenses/e1", Some("alice"));
    assert_eq!(status, 200);
    assert!(body.contains(r#""owner":"alice""#), "{body}");

    let (status, body) = send(addr, "GET", "/expenses/e1", Some("bob"));
    assert_eq!(status, 403);
    assert!(!body.contains("alice"), "a refusal leaks nothing: {body}");

    assert_eq!(send(addr, "GET", "/expenses", None).0, 401);

    let (status, body) = send(addr, "HEAD", "/health", None);
    assert_eq!((status, body.as_str()), (200, ""));

    assert_eq!(send(addr, "PATCH", "/expenses", Some("ada")).0, 405);
    assert_eq!(send(addr, "GET", "/nope", Some("ada")).0, 404);

    actix_web::rt::System::new().block_on(handle.stop(true));
    thread.join().unwrap().unwrap();
    assert!(
        TcpStream::connect(addr).is_err(),
        "the listener is closed after shutdown"
    );
}
