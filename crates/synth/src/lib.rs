//! Deterministic synthetic 扶欢镇 (and scaled-up regions) for the demo, tests and benchmarks.
