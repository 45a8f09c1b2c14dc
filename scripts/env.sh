# Sourced by the scripts: one build folder outside the clone, so that a fresh clone (CI) reuses
# earlier builds. Override with CARGO_TARGET_DIR.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/parley/target}"
export PATH="$HOME/.cargo/bin:$PATH"
