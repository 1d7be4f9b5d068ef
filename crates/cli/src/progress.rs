//! Progress on long runs: a bar on a terminal, plain lines otherwise (CI logs, pipes).

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    bar: Option<ProgressBar>,
    label: &'static str,
    last_line: Mutex<Instant>,
}

impl Progress {
    pub fn rows(label: &'static str, total: Option<u64>) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = match total {
                Some(t) => ProgressBar::with_draw_target(Some(t), ProgressDrawTarget::stderr()),
                None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
            };
            let template = if total.is_some() {
                "{msg} [{bar:30}] {pos}/{len} ({per_sec}, 剩余 {eta})"
            } else {
                "{msg} {pos} ({per_sec})"
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(label);
            bar
        });
        Progress {
            bar,
            label,
            last_line: Mutex::new(Instant::now()),
        }
    }

    pub fn set(&self, n: u64) {
        match &self.bar {
            Some(bar) => bar.set_position(n),
            None => {
                if let Ok(mut last) = self.last_line.lock()
                    && last.elapsed() >= Duration::from_secs(5)
                {
                    eprintln!("{}: {n}", self.label);
                    *last = Instant::now();
                }
            }
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
