//! The server binary: reads configuration, then hands over to `parley::server`.

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    parley::server::main().await
}

#[cfg(not(feature = "ssr"))]
fn main() {
    // The browser side starts in `parley::hydrate`; this binary only exists with `ssr`.
}
