//! `Leptos.toml` (read by a deployed binary) and `Cargo.toml`'s `[package.metadata.leptos]`
//! (read by cargo-leptos) must not drift apart.

use toml::Table;

fn leptos_table(file: &str) -> Table {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{file}: {e}"));
    let doc: Table = text.parse().unwrap_or_else(|e| panic!("{file}: {e}"));
    doc["package"]["metadata"]["leptos"]
        .as_table()
        .cloned()
        .unwrap_or_else(|| panic!("{file}: no leptos table"))
}

#[test]
fn leptos_toml_and_cargo_toml_agree() {
    let deployed = leptos_table("Leptos.toml");
    let build = leptos_table("Cargo.toml");
    for required in ["output-name", "site-root", "site-pkg-dir", "site-addr"] {
        assert!(
            deployed.contains_key(required) && build.contains_key(required),
            "{required} must be in both files"
        );
    }
    for (key, value) in &deployed {
        if let Some(other) = build.get(key) {
            assert_eq!(value, other, "{key} differs between Leptos.toml and Cargo.toml");
        }
    }
}

#[test]
fn the_server_reads_leptos_toml() {
    let options = leptos::config::get_configuration(Some("Leptos.toml"))
        .expect("Leptos.toml parses")
        .leptos_options;
    let deployed = leptos_table("Leptos.toml");
    assert_eq!(options.output_name.as_ref(), deployed["output-name"].as_str().unwrap_or_default());
    assert_eq!(options.site_addr.to_string(), deployed["site-addr"].as_str().unwrap_or_default());
}
