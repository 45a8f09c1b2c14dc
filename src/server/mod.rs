//! Everything that runs only on the server: configuration, storage, the use cases, the socket.io
//! handlers and the HTTP router that puts them on one port.

pub mod accounts;
pub mod assistant;
pub mod chat;
pub mod config;
pub mod error;
pub mod identity;
pub mod limits;
pub mod origin;
pub mod security;
pub mod socket;
pub mod store;

mod http;

pub use config::Config;
pub use http::{router, AppState, Server, MAX_BODY_BYTES};

/// The binary's entry point: configuration from the environment, then serve until a signal.
pub async fn main() -> std::process::ExitCode {
    use tracing_subscriber::EnvFilter;
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,parley=info")),
        )
        .init();

    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            tracing::error!("configuration: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let server = match Server::start(config).await {
        Ok(server) => server,
        Err(error) => {
            tracing::error!("could not start: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    tracing::info!("Parley listening on http://{}", server.local_addr());
    server.run_until(http::shutdown_signal()).await;
    std::process::ExitCode::SUCCESS
}
