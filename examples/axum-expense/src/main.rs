//! `cargo run -p axum-expense`: the expense service on 127.0.0.1:3000 (`HOST`, `PORT`), data
//! in memory or in the SQLite file `DATABASE_PATH`. Authentication is DEMO ONLY.

use std::process::ExitCode;

use axum_expense::{app, demo, engine, serve, BoxError, Db};

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), BoxError> {
    let engine = engine()?;
    let db = match std::env::var_os("DATABASE_PATH") {
        Some(path) => Db::open(&path)?,
        None => Db::in_memory()?,
    };
    let seeded = db.seed()?;
    let app = app(engine, db)?;

    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    let port: u16 = match std::env::var("PORT") {
        Ok(p) => p
            .parse()
            .map_err(|_| format!("PORT `{p}` is not a port number"))?,
        Err(_) => 3000,
    };
    let listener = tokio::net::TcpListener::bind((host.as_str(), port)).await?;
    tracing::info!(addr = %listener.local_addr()?, seeded, "axum-expense listening");
    tracing::warn!("{}", demo::warning());
    serve(listener, app, async {
        // Without a signal handler the server just runs until killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    })
    .await?;
    Ok(())
}
