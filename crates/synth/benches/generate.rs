//! Generation speed: `cargo bench -p zhenxing-synth -- [persons]` (default 1,000,000).

use std::time::Instant;

use zhenxing_synth::{Summary, SynthConfig, households};

fn main() {
    let persons = std::env::args()
        .skip(1)
        .find_map(|a| a.replace('_', "").parse::<u64>().ok())
        .unwrap_or(1_000_000);
    let cfg = SynthConfig {
        persons,
        ..SynthConfig::default()
    };
    let start = Instant::now();
    let mut summary = Summary::default();
    for h in households(&cfg) {
        summary.add(&h, cfg.today);
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "generated {} persons in {secs:.2} s: {:.0} persons/s",
        summary.persons,
        summary.persons as f64 / secs
    );
    print!("{summary}");
}
