//! The server binary: reads configuration, then hands over to `parley::server`.

/// jemalloc instead of glibc's malloc: a page render, a broadcast and a socket's buffers are many
/// small, short-lived allocations across threads (BENCHMARKS.md has what it changed).
#[cfg(feature = "ssr")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    parley::server::main().await
}

#[cfg(not(feature = "ssr"))]
fn main() {
    // The browser side starts in `parley::hydrate`; this binary only exists with `ssr`.
}
