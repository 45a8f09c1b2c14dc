# Sourced by the scripts: one build folder outside the clone, so that a fresh clone (CI) reuses
# earlier builds. Override with CARGO_TARGET_DIR.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/parley/target}"
export PATH="$HOME/.cargo/bin:$PATH"
# leptos bakes the bundle's name in at compile time. Setting it for every cargo command (as
# cargo-leptos does for its own) keeps `cargo test` and `cargo leptos build` from disagreeing
# and from rebuilding leptos for each other.
LEPTOS_OUTPUT_NAME="$(sed -n 's/^output-name = "\(.*\)"$/\1/p' Cargo.toml)"
export LEPTOS_OUTPUT_NAME
# schemathesis (scripts/api-check), installed by scripts/setup --browser from
# scripts/schemathesis/requirements.txt.
export SCHEMATHESIS_VENV="${SCHEMATHESIS_VENV:-$HOME/.cache/parley/schemathesis}"
# The release build every script serves or tests: the bundle split per page (`#[lazy_route]`
# chunks, see src/app.rs) and every file of the site precompressed with brotli and gzip (served
# by leptos_axum's file handler when the browser accepts them). `cargo leptos watch --split` is
# the development build: without `--split` the bundle would import a loader that does not exist.
LEPTOS_RELEASE=(--release --split --precompress)
