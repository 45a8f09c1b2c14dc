//! Everything that runs only on the server: configuration, storage, the use cases, the socket.io
//! handlers and the HTTP router that puts them on one port.

pub mod assistant;
pub mod auth;
mod avatars;
pub mod backup;
pub mod broadcast;
pub mod cluster;
mod compose;
pub mod config;
pub mod error;
pub mod limits;
pub mod media;
pub mod metrics;
pub mod origin;
pub mod policy;
pub mod rest;
pub mod security;
pub mod settings;
pub mod socket;
pub mod store;
pub mod tls;
pub mod uploads;
pub mod usecases;

mod http;

pub use config::Config;
pub use http::{router, AppState, Server, MAX_BODY_BYTES, MAX_SOCKET_PAYLOAD_BYTES};
pub use usecases::Chat;

/// The binary's entry point: configuration from the environment, then serve until a signal.
pub async fn main() -> std::process::ExitCode {
    let json = match std::env::var("PARLEY_LOG_FORMAT").ok().filter(|v| !v.is_empty()) {
        None => false,
        Some(format) if format == "text" => false,
        Some(format) if format == "json" => true,
        Some(other) => {
            init_logs(false);
            tracing::error!("configuration: PARLEY_LOG_FORMAT must be text or json, not {other:?}");
            return std::process::ExitCode::FAILURE;
        }
    };
    init_logs(json);

    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            tracing::error!("configuration: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.is_empty() {
        return command(&config, &args).await;
    }
    let server = match Server::start(config).await {
        Ok(server) => server,
        Err(error) => {
            tracing::error!("could not start: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    tracing::info!("Parley listening on {}://{}", server.scheme(), server.local_addr());
    server.run_until(http::shutdown_signal()).await;
    std::process::ExitCode::SUCCESS
}

/// Logs to standard output, filtered by `RUST_LOG`: readable lines, or one JSON object per line
/// with the fields of the event and of the span it happened in (a request's id, a socket's).
fn init_logs(json: bool) {
    use tracing_subscriber::{filter::Targets, fmt, prelude::*, EnvFilter};
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(settings::get("RUST_LOG").default.unwrap_or("info")));
    let lines = if json {
        fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .flatten_event(true)
            .boxed()
    } else {
        fmt::layer().boxed()
    };
    // sqlx tells each statement's time at debug level: counted, not logged.
    let statements = Targets::new().with_target("sqlx::query", tracing::Level::DEBUG);
    tracing_subscriber::registry()
        .with(lines.with_filter(filter))
        .with(metrics::DbLatency.with_filter(statements))
        .init();
}

const USAGE: &str = "usage: parley                      serve (configuration from the environment)
       parley admin grant NAME     make the account NAME a server admin
       parley admin revoke NAME    take admin rights away from NAME
       parley admin backup FILE    copy the SQLite database to the new FILE (the server may run)
       parley admin restore FILE   replace the SQLite database with the backup FILE (server stopped)";

/// The binary's commands besides serving (`parley admin …`), on the configured database.
async fn command(config: &Config, args: &[String]) -> std::process::ExitCode {
    use std::process::ExitCode;
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (grant, name) = match args.as_slice() {
        ["admin", "grant", name] => (true, *name),
        ["admin", "revoke", name] => (false, *name),
        ["admin", "backup", file] => {
            return backup_command(config, std::path::Path::new(file)).await
        }
        ["admin", "restore", file] => {
            return restore_command(config, std::path::Path::new(file)).await
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let db = match store::open(&config.database_url, &cluster::node_id()).await {
        Ok(db) => db,
        Err(error) => {
            eprintln!("cannot open the database: {error}");
            return ExitCode::FAILURE;
        }
    };
    let changed = db.set_admin(name, grant).await;
    if let Ok(Some(name)) = &changed {
        let record = store::ModerationRecord {
            at: usecases::now_millis(),
            by: "parley admin".to_owned(),
            action: if grant { "grant" } else { "revoke" }.to_owned(),
            room: None,
            target: name.clone(),
        };
        if let Err(error) = db.log_moderation(&record).await {
            eprintln!("moderation log: {error}");
        }
    }
    match changed {
        Ok(Some(name)) if grant => {
            println!("{name} is now a server admin.");
            ExitCode::SUCCESS
        }
        Ok(Some(name)) => {
            println!("{name} is no longer a server admin.");
            ExitCode::SUCCESS
        }
        Ok(None) => {
            eprintln!("There is no account called {name:?}.");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("database: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn backup_command(config: &Config, file: &std::path::Path) -> std::process::ExitCode {
    match backup::backup(&config.database_url, file).await {
        Ok(summary) => {
            println!("Backed up {summary} to {}.", file.display());
            println!(
                "Keep the secret key with it (PARLEY_SECRET_KEY, or secret.key next to the \
                 database): sessions and API tokens need it."
            );
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("No backup made: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn restore_command(config: &Config, file: &std::path::Path) -> std::process::ExitCode {
    match backup::restore(&config.database_url, file).await {
        Ok((summary, kept)) => {
            println!("Restored {summary} from {}.", file.display());
            if let Some(kept) = kept {
                println!("The database it replaced is kept as {}.", kept.display());
            }
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("Nothing restored: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
