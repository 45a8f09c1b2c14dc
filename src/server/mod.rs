//! Everything that runs only on the server: configuration, storage, the use cases, the socket.io
//! handlers and the HTTP router that puts them on one port.

pub mod assistant;
pub mod auth;
pub mod broadcast;
pub mod cluster;
pub mod config;
pub mod error;
pub mod limits;
pub mod origin;
pub mod policy;
pub mod rest;
pub mod security;
pub mod settings;
pub mod socket;
pub mod store;
pub mod tls;
pub mod usecases;

mod http;

pub use config::Config;
pub use http::{router, AppState, Server, MAX_BODY_BYTES};
pub use usecases::Chat;

/// The binary's entry point: configuration from the environment, then serve until a signal.
pub async fn main() -> std::process::ExitCode {
    use tracing_subscriber::EnvFilter;
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| {
            EnvFilter::new(settings::get("RUST_LOG").default.unwrap_or("info"))
        }))
        .init();

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

const USAGE: &str = "usage: parley                      serve (configuration from the environment)
       parley admin grant NAME     make the account NAME a server admin
       parley admin revoke NAME    take admin rights away from NAME";

/// The binary's commands besides serving: `parley admin grant|revoke NAME`, on the configured
/// database.
async fn command(config: &Config, args: &[String]) -> std::process::ExitCode {
    use std::process::ExitCode;
    let (grant, name) = match args {
        [admin, verb, name] if admin == "admin" && verb == "grant" => (true, name),
        [admin, verb, name] if admin == "admin" && verb == "revoke" => (false, name),
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
    match db.set_admin(name, grant).await {
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
