//! Configuration from environment variables, with safe defaults: each variable, its default and
//! its meaning are in `settings`; this reads and checks them. Leptos' own settings (listen
//! address, site folder) come from `Leptos.toml` when it exists, overridden by `LEPTOS_*`
//! variables, which is how `cargo leptos` passes them; Parley's settings are `PARLEY_*`.

use super::assistant::AssistantConfig;
use super::auth::AuthSettings;
use super::limits::{Limits, Rate};
use super::origin::AllowedOrigins;
use super::settings::{self, default_number};
use super::tls::TlsFiles;
use leptos::config::{get_configuration, LeptosOptions};
use std::{num::NonZeroU32, path::Path};

/// A text setting, or its default.
fn text(name: &'static str) -> String {
    std::env::var(name).unwrap_or_else(|_| settings::get(name).default.unwrap_or("").to_owned())
}

#[derive(Clone, Debug)]
pub struct Config {
    /// Site folder, listen address (`site_addr`) and bundle name.
    pub leptos: LeptosOptions,
    /// `sqlite:` URL of the database file, or `postgres:` URL of the database several nodes
    /// share.
    pub database_url: String,
    /// Redis, which carries broadcasts between nodes (`PARLEY_REDIS_URL`); `None`: one node.
    pub redis_url: Option<String>,
    /// Origins besides Parley's own whose pages may open sockets (`PARLEY_ALLOWED_ORIGINS`).
    pub allowed_origins: AllowedOrigins,
    /// The AI provider, when `PARLEY_ASSISTANT_URL` and `PARLEY_ASSISTANT_MODEL` are set.
    pub assistant: Option<AssistantConfig>,
    /// Every rate limit (`PARLEY_MESSAGES_PER_MINUTE`, `PARLEY_SIGNUPS_PER_HOUR`, …).
    pub limits: Limits,
    /// Session lifetime, cookie security and the client-address header.
    pub auth: AuthSettings,
    /// Serve HTTPS itself with this certificate and key (`PARLEY_TLS_CERT`, `PARLEY_TLS_KEY`).
    pub tls: Option<TlsFiles>,
    /// Where the secret key is kept (created on first start) unless `PARLEY_SECRET_KEY` gives
    /// it; `None` keeps `auth.secret` as it is.
    pub secret_file: Option<std::path::PathBuf>,
    /// Rooms with more people online than this get arrivals, departures and membership
    /// changes in batches (`PARLEY_BATCH_ABOVE`).
    pub batch_above: usize,
    /// The bearer token that opens `/metrics` besides a server admin's session
    /// (`PARLEY_METRICS_TOKEN`).
    pub metrics_token: Option<String>,
    /// The most a SQLite database file may grow to, in MiB (`PARLEY_SQLITE_MAX_MB`).
    pub sqlite_max_mb: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("Leptos settings: {0}")]
    Leptos(#[from] leptos::config::errors::LeptosConfigError),
    #[error("{name} must be a positive whole number, not {value:?}")]
    Number { name: &'static str, value: String },
    #[error("PARLEY_ASSISTANT_URL and PARLEY_ASSISTANT_MODEL go together: set both or neither")]
    AssistantHalfSet,
    #[error("{name} must be 1 or 0 (true or false), not {value:?}")]
    Flag { name: &'static str, value: String },
    #[error("PARLEY_CLIENT_IP_HEADER is not a header name: {0:?}")]
    Header(String),
    #[error("PARLEY_TLS_CERT and PARLEY_TLS_KEY go together: set both or neither")]
    TlsHalfSet,
}

/// A positive number from the environment, or its default when unset.
fn number(name: &'static str) -> Result<u64, ConfigError> {
    match std::env::var(name) {
        Err(_) => Ok(default_number(name)),
        Ok(value) => match value.trim().parse::<u64>() {
            Ok(number) if number > 0 => Ok(number),
            _ => Err(ConfigError::Number { name, value }),
        },
    }
}

/// A positive number of at most 2^32 - 1 from the environment, or its default.
fn positive(name: &'static str) -> Result<NonZeroU32, ConfigError> {
    let value = number(name)?;
    u32::try_from(value)
        .ok()
        .and_then(NonZeroU32::new)
        .ok_or(ConfigError::Number { name, value: value.to_string() })
}

fn flag(name: &'static str) -> Result<bool, ConfigError> {
    match std::env::var(name) {
        Err(_) => Ok(false),
        Ok(value) => match value.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "" | "0" | "false" | "no" | "off" => Ok(false),
            _ => Err(ConfigError::Flag { name, value }),
        },
    }
}

fn limits_from_env() -> Result<Limits, ConfigError> {
    let d = Limits::default();
    let rate = |count: &'static str, burst: Option<&'static str>, default: Rate| {
        let n = positive(count)?.get();
        let b = match burst {
            Some(burst) => positive(burst)?.get(),
            None => default.burst.get().min(n),
        };
        Ok::<_, ConfigError>(Rate::new(n, default.per, b))
    };
    Ok(Limits {
        messages: rate("PARLEY_MESSAGES_PER_MINUTE", Some("PARLEY_MESSAGE_BURST"), d.messages)?,
        sign_ups: rate("PARLEY_SIGNUPS_PER_HOUR", None, d.sign_ups)?,
        rooms: rate("PARLEY_ROOMS_PER_HOUR", None, d.rooms)?,
        api_calls: rate("PARLEY_API_CALLS_PER_MINUTE", None, d.api_calls)?,
        commands: Rate::commands(positive("PARLEY_COMMANDS_PER_SECOND")?.get()),
        sign_in_free_failures: positive("PARLEY_SIGNIN_FREE_FAILURES")?.get(),
        files: super::limits::FileLimits {
            per_file: number("PARLEY_FILE_MAX_MB")?.saturating_mul(super::limits::FileLimits::MB),
            per_hour: number("PARLEY_UPLOAD_MB_PER_HOUR")?
                .saturating_mul(super::limits::FileLimits::MB),
        },
    })
}

/// Where the secret key is kept unless `PARLEY_SECRET_FILE` says: next to the database file.
fn secret_file(database_url: &str) -> std::path::PathBuf {
    if let Ok(file) = std::env::var("PARLEY_SECRET_FILE") {
        if !file.trim().is_empty() {
            return file.into();
        }
    }
    if !database_url.starts_with("sqlite:") {
        return Path::new("data").join("secret.key");
    }
    let path = database_url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    match Path::new(path).parent() {
        Some(folder) if !path.starts_with(':') => folder.join("secret.key"),
        _ => Path::new("data").join("secret.key"),
    }
}

fn auth_from_env() -> Result<AuthSettings, ConfigError> {
    let idle_minutes = number("PARLEY_SESSION_IDLE_MINUTES")?;
    let client_ip_header = match std::env::var("PARLEY_CLIENT_IP_HEADER") {
        Ok(value) if !value.trim().is_empty() => Some(
            axum::http::HeaderName::try_from(value.trim())
                .map_err(|_| ConfigError::Header(value))?,
        ),
        _ => None,
    };
    Ok(AuthSettings {
        idle: std::time::Duration::from_secs(idle_minutes.saturating_mul(60)),
        secure_cookies: flag("PARLEY_SECURE_COOKIES")?,
        client_ip_header,
        // Replaced by the key from `PARLEY_SECRET_KEY` or the secret file when the server
        // starts (see `Config::secret_file`).
        secret: super::auth::secret::Secret::random(),
    })
}

fn assistant_from_env() -> Result<Option<AssistantConfig>, ConfigError> {
    let set = |name| std::env::var(name).ok().filter(|v: &String| !v.trim().is_empty());
    let (url, model) = match (set("PARLEY_ASSISTANT_URL"), set("PARLEY_ASSISTANT_MODEL")) {
        (None, None) => return Ok(None),
        (Some(url), Some(model)) => (url, model),
        _ => return Err(ConfigError::AssistantHalfSet),
    };
    Ok(Some(AssistantConfig {
        url,
        model,
        api_key: set("PARLEY_ASSISTANT_API_KEY"),
        timeout: std::time::Duration::from_secs(number("PARLEY_ASSISTANT_TIMEOUT_SECS")?),
        context_chars: number("PARLEY_ASSISTANT_CONTEXT_CHARS")? as usize,
        max_answer_chars: number("PARLEY_ASSISTANT_MAX_CHARS")?
            .min(crate::model::MAX_MESSAGE_CHARS as u64) as usize,
        questions_per_minute: number("PARLEY_ASSISTANT_QUESTIONS_PER_MINUTE")? as usize,
    }))
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let leptos_file = text("PARLEY_LEPTOS_CONFIG");
        let file = Path::new(&leptos_file).exists().then_some(leptos_file.as_str());
        let leptos = get_configuration(file)?.leptos_options;
        let database_url = text("PARLEY_DATABASE_URL");
        let allowed_origins =
            AllowedOrigins::parse(&std::env::var("PARLEY_ALLOWED_ORIGINS").unwrap_or_default());
        let assistant = assistant_from_env()?;
        let limits = limits_from_env()?;
        let auth = auth_from_env()?;
        let secret_file = Some(secret_file(&database_url));
        let redis_url = std::env::var("PARLEY_REDIS_URL").ok().filter(|url| !url.trim().is_empty());
        let set = |name| std::env::var(name).ok().filter(|v: &String| !v.trim().is_empty());
        let tls = match (set("PARLEY_TLS_CERT"), set("PARLEY_TLS_KEY")) {
            (None, None) => None,
            (Some(cert), Some(key)) => Some(TlsFiles { cert: cert.into(), key: key.into() }),
            _ => return Err(ConfigError::TlsHalfSet),
        };
        let batch_above = match std::env::var("PARLEY_BATCH_ABOVE") {
            Ok(value) => value
                .trim()
                .parse()
                .map_err(|_| ConfigError::Number { name: "PARLEY_BATCH_ABOVE", value })?,
            Err(_) => default_number("PARLEY_BATCH_ABOVE") as usize,
        };
        Ok(Self {
            leptos,
            database_url,
            redis_url,
            allowed_origins,
            assistant,
            limits,
            auth,
            tls,
            secret_file,
            batch_above,
            metrics_token: set("PARLEY_METRICS_TOKEN"),
            sqlite_max_mb: match set("PARLEY_SQLITE_MAX_MB") {
                Some(_) => Some(number("PARLEY_SQLITE_MAX_MB")?),
                None => None,
            },
        })
    }
}
