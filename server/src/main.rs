//! `sesame [--config FILE]`: serves Sesame. Without `--config`, reads `sesame.toml` when it
//! exists, else runs on the embedded defaults.

use server::config::Config;
use std::path::PathBuf;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

fn config_path() -> Result<Option<PathBuf>, String> {
    let mut args = std::env::args().skip(1);
    match (args.next().as_deref(), args.next()) {
        (None, _) => Ok(Some(PathBuf::from("sesame.toml")).filter(|p| p.exists())),
        (Some("--config"), Some(path)) => Ok(Some(PathBuf::from(path))),
        (Some("--help" | "-h"), _) => Err("usage: sesame [--config FILE]".into()),
        _ => Err("usage: sesame [--config FILE]".into()),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("SESAME_LOG")
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("sesame: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let path = config_path()?;
    let config = Config::load(path.as_deref()).map_err(|e| e.to_string())?;
    let listen = config.server.listen;
    let grace = config.server.shutdown_grace_secs;
    let public_url = config.server.public_url.clone();
    let state = server::build_state(config)
        .await
        .map_err(|e| e.to_string())?;
    server::spawn_housekeeping(state.clone());
    let app = server::router(state);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| server::StartError::Listen(listen, e).to_string())?;
    tracing::info!(%listen, %public_url, "Sesame is listening; try {public_url}/demo");
    // The peer address feeds the per-address lockout.
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown(grace))
        .await
        .map_err(|e| e.to_string())
}

/// Resolves on SIGINT or SIGTERM; requests in flight then get `grace` seconds to finish.
async fn shutdown(grace: u64) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!(grace, "shutting down");
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_secs(grace)).await;
        tracing::warn!("grace period over; exiting");
        std::process::exit(0);
    });
}
