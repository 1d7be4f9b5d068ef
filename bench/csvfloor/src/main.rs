// The CSV-parsing floor under any screening of CSV files: the files parsed into `csv::ByteRecord`s
// (nothing else) on N threads, largest first. `csvfloor THREADS FILE…`; prints the time.
use std::sync::atomic::{AtomicUsize, Ordering};
fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let threads: usize = args.remove(0).parse().unwrap();
    args.sort_by_key(|p| std::cmp::Reverse(std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)));
    let next = AtomicUsize::new(0);
    let t = std::time::Instant::now();
    let total: usize = std::thread::scope(|s| {
        let hs: Vec<_> = (0..threads).map(|_| s.spawn(|| {
            let mut n = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(p) = args.get(i) else { break };
                let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).buffer_capacity(1 << 18).from_path(p).unwrap();
                let mut rec = csv::ByteRecord::new();
                while r.read_byte_record(&mut rec).unwrap() { n += rec.len(); }
            }
            n
        })).collect();
        hs.into_iter().map(|h| h.join().unwrap()).sum()
    });
    eprintln!("{total} fields in {:.2} s", t.elapsed().as_secs_f64());
}
