//! Over a real socket: the refusal of an undeclared route (a service error) is answered with
//! its problem response and the connection stays usable; declared routes answer as usual.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_authz::{authorize, routes, Authorize, AuthzRoutes, BoxError};
use actix_web::{web, App, HttpRequest, HttpServer};
use authz_core::{Engine, EngineConfig, PolicySet};

#[authorize(public)]
async fn health() -> &'static str {
    "ok"
}

async fn undeclared(hits: web::Data<AtomicUsize>) -> &'static str {
    hits.fetch_add(1, Ordering::SeqCst);
    "ran"
}

/// Reads one response (with `content-length`) from `r`: status and body.
fn response(r: &mut BufReader<TcpStream>) -> (u16, String) {
    let mut status = String::new();
    r.read_line(&mut status).unwrap();
    let mut len = 0;
    loop {
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).unwrap();
    (
        status.split(' ').nth(1).unwrap().parse().unwrap(),
        String::from_utf8(body).unwrap(),
    )
}

#[test]
fn refusals_over_http_keep_the_connection() {
    let hits = web::Data::from(Arc::new(AtomicUsize::new(0)));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let data = hits.clone();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let engine = Engine::new(
                PolicySet::from_sources::<&str, &str>([]).unwrap(),
                EngineConfig::default(),
            );
            let resolver = |_: &HttpRequest| async { Ok::<_, BoxError>(None) };
            let authz = Authorize::new(engine, resolver);
            let server = HttpServer::new(move || {
                App::new()
                    .wrap(authz.clone())
                    .app_data(data.clone())
                    .service(AuthzRoutes::new().route("/health", routes!(get(health))))
                    .route("/raw", web::get().to(undeclared))
            })
            .workers(1)
            .disable_signals()
            .listen(listener)?
            .run();
            tx.send(server.handle()).unwrap();
            server.await
        })
    });
    let handle = rx.recv_timeout(Duration::from_secs(10)).unwrap();

    let stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut w = stream.try_clone().unwrap();
    let mut r = BufReader::new(stream);
    for (path, want) in [
        (
            "/raw",
            (
                403,
                r#"{"type":"about:blank","title":"Forbidden","status":403}"#,
            ),
        ),
        ("/health", (200, "ok")),
        (
            "/nope",
            (
                404,
                r#"{"type":"about:blank","title":"Not Found","status":404}"#,
            ),
        ),
        (
            "/raw",
            (
                403,
                r#"{"type":"about:blank","title":"Forbidden","status":403}"#,
            ),
        ),
    ] {
        write!(w, "GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
        let (status, body) = response(&mut r);
        assert_eq!((status, body.as_str()), want, "{path}");
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0);

    actix_web::rt::System::new().block_on(handle.stop(true));
    thread.join().unwrap().unwrap();
}
