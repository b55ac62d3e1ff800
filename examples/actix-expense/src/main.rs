//! `cargo run -p actix-expense`: the expense service on 127.0.0.1:3001 (`HOST`, `PORT`), data
//! in memory or in the SQLite file `DATABASE_PATH`. Authentication is DEMO ONLY.

use std::process::ExitCode;

use actix_expense::{check, demo, engine, server, AppState, BoxError, Db};

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .init();
    match actix_web::rt::System::new().block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), BoxError> {
    let engine = engine()?;
    check(&engine)?;
    let db = match std::env::var_os("DATABASE_PATH") {
        Some(path) => Db::open(&path)?,
        None => Db::in_memory()?,
    };
    let seeded = db.seed()?;

    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    let port: u16 = match std::env::var("PORT") {
        Ok(p) => p
            .parse()
            .map_err(|_| format!("PORT `{p}` is not a port number"))?,
        Err(_) => 3001,
    };
    let listener = std::net::TcpListener::bind((host.as_str(), port))?;
    tracing::info!(addr = %listener.local_addr()?, seeded, "actix-expense listening");
    tracing::warn!("{}", demo::warning());
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    server(listener, AppState { db, engine }, workers)?.await?;
    Ok(())
}
