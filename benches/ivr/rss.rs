//! The server process's resident memory, from `/proc/<pid>/status`: `VmRSS` now, `VmHWM`
//! (the peak since it started), and a thread that samples `VmRSS` while a load runs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// One reading, in MiB, and the process's thread count.
#[derive(Debug, Clone, Copy)]
pub struct Reading {
    pub rss: f64,
    pub hwm: f64,
    pub threads: f64,
    /// `RssAnon` (the heap), `RssFile` (the binary, SQLite's WAL index), in MiB.
    pub anon: f64,
    pub file: f64,
}

fn field_kib(status: &str, name: &str) -> Option<f64> {
    let line = status.lines().find(|l| l.starts_with(name))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `VmRSS` and `VmHWM` of `pid`, in MiB.
pub fn read(pid: u32) -> Reading {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    Reading {
        rss: field_kib(&status, "VmRSS:").unwrap_or(f64::NAN) / 1024.0,
        hwm: field_kib(&status, "VmHWM:").unwrap_or(f64::NAN) / 1024.0,
        threads: field_kib(&status, "Threads:").unwrap_or(f64::NAN),
        anon: field_kib(&status, "RssAnon:").unwrap_or(f64::NAN) / 1024.0,
        file: field_kib(&status, "RssFile:").unwrap_or(f64::NAN) / 1024.0,
    }
}

/// Samples `VmRSS` every `every` until stopped: (seconds since start, MiB).
pub struct Sampler {
    stop: Arc<AtomicBool>,
    samples: Arc<Mutex<Vec<(f64, f64)>>>,
    thread: Option<JoinHandle<()>>,
}

impl Sampler {
    pub fn start(pid: u32, every: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let samples = Arc::new(Mutex::new(Vec::new()));
        let (s, out) = (Arc::clone(&stop), Arc::clone(&samples));
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            let mut next = started;
            while !s.load(Ordering::Relaxed) {
                let now = Instant::now();
                if now >= next {
                    let at = now.duration_since(started).as_secs_f64();
                    out.lock().expect("samples").push((at, read(pid).rss));
                    next += every;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        Self {
            stop,
            samples,
            thread: Some(thread),
        }
    }

    /// Stops sampling; the samples taken.
    pub fn stop(mut self) -> Vec<(f64, f64)> {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let samples = self.samples.lock().expect("samples");
        samples.clone()
    }
}

/// The largest sample, in MiB.
pub fn peak(samples: &[(f64, f64)]) -> f64 {
    samples.iter().map(|s| s.1).fold(f64::NAN, f64::max)
}
