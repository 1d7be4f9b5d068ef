//! Makes sure the front-end libraries that `src/vendor.rs` embeds with `include_bytes!` are on disk:
//! ECharts and htmx come from npm, pinned by `assets/package-lock.json`, and are installed into
//! `assets/node_modules` (git-ignored) with `npm ci` when either file is missing.

use std::path::Path;
use std::process::Command;

/// The files `src/vendor.rs` embeds, relative to `assets/`.
const VENDORED: &[&str] = &[
    "node_modules/echarts/dist/echarts.min.js",
    "node_modules/htmx.org/dist/htmx.min.js",
];

fn main() {
    println!("cargo:rerun-if-changed=assets/package.json");
    println!("cargo:rerun-if-changed=assets/package-lock.json");
    for file in VENDORED {
        println!("cargo:rerun-if-changed=assets/{file}");
    }

    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|e| panic!("CARGO_MANIFEST_DIR is not set ({e}); run this through cargo"));
    let assets = Path::new(&manifest_dir).join("assets");
    if VENDORED.iter().all(|file| assets.join(file).is_file()) {
        return;
    }

    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    let help = "Install Node.js and npm (Debian: `apt-get install nodejs npm`) and run \
                `npm ci --prefix crates/web/assets`, then build again.";
    let status = Command::new(npm)
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&assets)
        .status()
        .unwrap_or_else(|e| {
            panic!(
                "zhenxing-web embeds ECharts and htmx from npm, but `npm` could not be started \
                 ({e}). {help}"
            )
        });
    if !status.success() {
        panic!("`npm ci` in {} failed ({status}). {help}", assets.display());
    }
    for file in VENDORED {
        if !assets.join(file).is_file() {
            panic!(
                "`npm ci` finished but {} is missing; check assets/package.json. {help}",
                assets.join(file).display()
            );
        }
    }
}
