//! `sesame [--config FILE]`: serves Sesame. Without `--config`, reads `sesame.toml` when it
//! exists, else runs on the embedded defaults.
//!
//! `sesame [--config FILE] user suspend|reinstate IDENTIFIER` and
//! `sesame [--config FILE] invite EMAIL [--send]`,
//! `sesame [--config FILE] audit [--user USER] [--kind KIND] [--days N] [--limit N]`:
//! operator commands on the same database (safe while the server runs).

use server::config::Config;
use std::path::PathBuf;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

const USAGE: &str = "usage: sesame [--config FILE] [user suspend|reinstate IDENTIFIER | \
     invite EMAIL [--send] | audit [--user IDENTIFIER|ID] [--kind KIND] [--days N] [--limit N]]";

/// What the command line asks for.
enum Command {
    Serve,
    /// Suspend (`true`) or reinstate (`false`) the account named by an identifier.
    Suspend(bool, String),
    /// Invite an email address to create an account (and mail the link with `true`).
    Invite(String, bool),
    /// Print audit events, newest first, as JSON lines.
    Audit(AuditArgs),
}

/// `audit`'s filters.
#[derive(Default)]
struct AuditArgs {
    user: Option<String>,
    kind: Option<String>,
    days: Option<i64>,
    limit: i64,
}

fn parse_audit(flags: &[&str]) -> Result<AuditArgs, String> {
    let mut a = AuditArgs {
        limit: 100,
        ..AuditArgs::default()
    };
    let number = |v: &str| v.parse::<i64>().ok().filter(|n| *n > 0).ok_or(USAGE);
    for pair in flags.chunks(2) {
        match pair {
            ["--user", v] => a.user = Some(v.to_string()),
            ["--kind", v] => a.kind = Some(v.to_string()),
            ["--days", v] => a.days = Some(number(v)?),
            ["--limit", v] => a.limit = number(v)?,
            _ => return Err(USAGE.into()),
        }
    }
    Ok(a)
}

fn parse_args() -> Result<(Option<PathBuf>, Command), String> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut path = None;
    if args.first().map(String::as_str) == Some("--config") {
        if args.len() < 2 {
            return Err(USAGE.into());
        }
        path = Some(PathBuf::from(args.remove(1)));
        args.remove(0);
    }
    let path = path.or_else(|| Some(PathBuf::from("sesame.toml")).filter(|p| p.exists()));
    let strs: Vec<&str> = args.iter().map(String::as_str).collect();
    let command = match strs.as_slice() {
        [] => Command::Serve,
        ["user", "suspend", id] => Command::Suspend(true, id.to_string()),
        ["user", "reinstate", id] => Command::Suspend(false, id.to_string()),
        ["invite", email] => Command::Invite(email.to_string(), false),
        ["invite", email, "--send"] => Command::Invite(email.to_string(), true),
        ["audit", flags @ ..] => Command::Audit(parse_audit(flags)?),
        _ => return Err(USAGE.into()),
    };
    Ok((path, command))
}

/// The account a username, email address or phone number names.
async fn find_user(
    config: &Config,
    db: &server::db::Db,
    raw: &str,
) -> Result<server::db::UserRow, String> {
    use server::config::IdentifierKind::*;
    let id = server::identifier::parse(
        raw,
        &[Username, Email, Phone],
        &config.username_policy,
        &config.experience.default_phone_region,
    )
    .map_err(|e| format!("`{raw}` is not a username, email address or phone number ({e})"))?;
    match id.kind {
        Username => db.user_by_username(&id.value).await,
        Email => db.user_by_email(&id.value).await,
        Phone => db.user_by_phone(&id.value).await,
    }
    .map_err(|e| e.to_string())?
    .ok_or_else(|| format!("no account for `{}`", id.value))
}

/// `user suspend|reinstate`: finds the account by username, email or phone number.
async fn suspend(config: &Config, suspend: bool, raw: &str) -> Result<(), String> {
    let db = server::db::Db::connect(&config.database_url(), 1)
        .await
        .map_err(|e| e.to_string())?;
    let user = find_user(config, &db, raw).await?;
    let at = suspend.then(server::crypto::now);
    db.set_suspended(&user.id, at)
        .await
        .map_err(|e| e.to_string())?;
    if suspend {
        // A suspended user is signed out everywhere at once.
        db.delete_user_sessions(&user.id)
            .await
            .map_err(|e| e.to_string())?;
    }
    println!(
        "{} {} ({})",
        if suspend { "suspended" } else { "reinstated" },
        user.label(),
        user.id
    );
    Ok(())
}

/// `audit`: the newest security events, one JSON object per line. `--user` takes an
/// identifier or, for an account deleted since, its id.
async fn audit(config: &Config, args: AuditArgs) -> Result<(), String> {
    let db = server::db::Db::connect(&config.database_url(), 1)
        .await
        .map_err(|e| e.to_string())?;
    let user_id = match &args.user {
        None => None,
        Some(raw) => Some(match find_user(config, &db, raw).await {
            Ok(user) => user.id,
            Err(_) => raw.clone(),
        }),
    };
    let query = server::db::AuditQuery {
        user_id,
        kind: args.kind,
        since: args.days.map(|d| server::crypto::now() - d * 86_400),
        limit: args.limit,
    };
    let rows = db.audit_events(&query).await.map_err(|e| e.to_string())?;
    for row in rows {
        let at = chrono::DateTime::from_timestamp(row.at, 0)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        let detail = row
            .detail
            .as_deref()
            .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok());
        let line = serde_json::json!({
            "at": at,
            "kind": row.kind,
            "user_id": row.user_id,
            "ip": row.ip,
            "detail": detail,
        });
        println!("{line}");
    }
    Ok(())
}

/// `invite`: a single-use invitation link for the address, which may then create an account
/// even where registration is closed. Prints the link; `--send` also mails it.
async fn invite(config: Config, raw: &str, send: bool) -> Result<(), String> {
    use server::flow::magic_link;
    let state = server::build_state(config)
        .await
        .map_err(|e| e.to_string())?;
    let email = magic_link::canonical_email(&state, raw)
        .map_err(|e| format!("`{raw}` is not an email address ({e})"))?;
    let link = magic_link::create(&state, &email.value, magic_link::INVITATION)
        .await
        .map_err(|e| e.to_string())?;
    if send {
        let message = server::messaging::link_message(
            email.delivery(),
            server::messaging::LinkPurpose::Invitation,
            &link,
            state.config.magic_links.invitation_ttl_secs / 60,
            state.default_locale,
        );
        state
            .messenger
            .send(&state.db, &message)
            .await
            .map_err(|e| e.to_string())?;
        println!("invited {} (mailed)", email.value);
    } else {
        println!("invited {}", email.value);
    }
    println!("{link}");
    Ok(())
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
    let (path, command) = parse_args()?;
    let config = Config::load(path.as_deref()).map_err(|e| e.to_string())?;
    match command {
        Command::Suspend(on, id) => return suspend(&config, on, &id).await,
        Command::Invite(email, send) => return invite(config, &email, send).await,
        Command::Audit(args) => return audit(&config, args).await,
        Command::Serve => {}
    }
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
