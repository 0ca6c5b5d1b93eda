//! Scan progress on stderr: a bar on a terminal, plain `scan: ...` lines otherwise.

use almanac_scanners::ScanProgress;
use indicatif::{ProgressBar, ProgressStyle};
use std::sync::Mutex;
use std::time::Duration;

/// A progress bar on a terminal.
pub(crate) struct BarProgress {
    bar: ProgressBar,
}

impl BarProgress {
    pub(crate) fn new() -> Self {
        let bar = ProgressBar::new_spinner();
        bar.enable_steady_tick(Duration::from_millis(120));
        BarProgress { bar }
    }
}

impl ScanProgress for BarProgress {
    fn phase(&self, name: &str, total: Option<u64>) {
        match total {
            Some(t) => {
                self.bar.set_style(
                    ProgressStyle::with_template("{spinner} {msg:<18} [{bar:30}] {pos}/{len} ({elapsed})")
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                );
                self.bar.set_length(t);
                self.bar.set_position(0);
            }
            None => {
                self.bar.set_style(
                    ProgressStyle::with_template("{spinner} {msg} ({elapsed})").unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
            }
        }
        self.bar.set_message(name.to_string());
    }

    fn advance(&self, n: u64) {
        self.bar.inc(n);
    }
}

impl Drop for BarProgress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// Plain log lines when stderr is not a terminal: each phase, then every tenth of it.
#[derive(Default)]
pub(crate) struct LogProgress {
    state: Mutex<(String, u64, Option<u64>, u64)>,
}

impl ScanProgress for LogProgress {
    fn phase(&self, name: &str, total: Option<u64>) {
        if let Ok(mut s) = self.state.lock() {
            *s = (name.to_string(), 0, total, 0);
        }
        match total {
            Some(t) => eprintln!("scan: {name} (0/{t})"),
            None => eprintln!("scan: {name}"),
        }
    }

    fn advance(&self, n: u64) {
        if let Ok(mut s) = self.state.lock() {
            s.1 += n;
            if let Some(t) = s.2.filter(|t| *t >= 10) {
                let tenth = s.1 * 10 / t;
                if tenth > s.3 {
                    s.3 = tenth;
                    eprintln!("scan: {} ({}/{t})", s.0, s.1);
                }
            }
        }
    }
}
