//! Configuration from environment variables, with safe defaults. Leptos' own settings (listen
//! address, site folder) come from `Leptos.toml` when it exists, overridden by `LEPTOS_*`
//! variables, which is how `cargo leptos` passes them; Parley's settings are `PARLEY_*`.

use super::origin::AllowedOrigins;
use leptos::config::{get_configuration, LeptosOptions};
use std::path::Path;

/// Where the SQLite database lives unless `PARLEY_DATABASE_URL` says otherwise. The folder is
/// created on first run and ignored by git.
pub const DEFAULT_DATABASE_URL: &str = "sqlite:data/parley.db";
/// Leptos settings for a binary run outside cargo-leptos (`PARLEY_LEPTOS_CONFIG` overrides).
pub const DEFAULT_LEPTOS_CONFIG: &str = "Leptos.toml";

#[derive(Clone, Debug)]
pub struct Config {
    /// Site folder, listen address (`site_addr`) and bundle name.
    pub leptos: LeptosOptions,
    /// `sqlite:` URL of the database file.
    pub database_url: String,
    /// Origins besides Parley's own whose pages may open sockets (`PARLEY_ALLOWED_ORIGINS`).
    pub allowed_origins: AllowedOrigins,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("Leptos settings: {0}")]
    Leptos(#[from] leptos::config::errors::LeptosConfigError),
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let leptos_file = std::env::var("PARLEY_LEPTOS_CONFIG")
            .unwrap_or_else(|_| DEFAULT_LEPTOS_CONFIG.to_owned());
        let file = Path::new(&leptos_file).exists().then_some(leptos_file.as_str());
        let leptos = get_configuration(file)?.leptos_options;
        let database_url = std::env::var("PARLEY_DATABASE_URL")
            .unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned());
        let allowed_origins =
            AllowedOrigins::parse(&std::env::var("PARLEY_ALLOWED_ORIGINS").unwrap_or_default());
        Ok(Self { leptos, database_url, allowed_origins })
    }
}
