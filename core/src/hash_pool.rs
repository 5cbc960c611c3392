//! A bounded pool for the memory-hard work (Argon2id hashing and verification). Argon2id
//! needs its memory (19 MiB by default) on the thread that runs it, and the allocator keeps
//! each thread's arena: run on whichever blocking thread asked, a burst of tries grows the
//! process by that much per thread. Here only the pool's few threads ever run it, and a
//! caller who finds every thread busy and the queue full is refused at once (`Busy`)
//! instead of waiting without bound.
//!
//! Admission is a slot taken before any work is known (`HashPool::reserve`), so that a
//! refusal is decided by the load alone, never by what the work would have found.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;

use crate::error::{CoreError, CoreResult};

/// Seconds a refused caller is told to wait: about one queue's worth of verifications.
pub const BUSY_RETRY_AFTER_SECS: u64 = 1;

/// How many threads run the work and how many tries may wait for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSize {
    pub threads: usize,
    pub queue: usize,
}

impl PoolSize {
    /// From the configuration, where 0 means the default: a thread per core, and a queue
    /// of four tries per thread.
    pub fn from_config(threads: usize, queue: usize) -> Self {
        let threads = match threads {
            0 => thread::available_parallelism().map_or(1, usize::from),
            n => n,
        };
        let queue = match queue {
            0 => 4 * threads,
            n => n,
        };
        Self { threads, queue }
    }
}

impl Default for PoolSize {
    fn default() -> Self {
        Self::from_config(0, 0)
    }
}

type Job = Box<dyn FnOnce() + Send>;

/// The pool; cheap to clone (the clones share the threads). The threads end when the last
/// clone is dropped.
#[derive(Clone)]
pub struct HashPool {
    jobs: Sender<Job>,
    admitted: Arc<AtomicUsize>,
    size: PoolSize,
}

impl HashPool {
    pub fn start(size: PoolSize) -> CoreResult<Self> {
        let size = PoolSize {
            threads: size.threads.max(1),
            queue: size.queue,
        };
        let (jobs, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..size.threads {
            let receiver = Arc::clone(&receiver);
            thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || work(&receiver))
                .map_err(|e| CoreError::Internal(format!("argon2 pool thread: {e}")))?;
        }
        Ok(Self {
            jobs,
            admitted: Arc::new(AtomicUsize::new(0)),
            size,
        })
    }

    pub fn size(&self) -> PoolSize {
        self.size
    }

    /// A place in the pool (running or queued), or `Busy` if every one is taken.
    pub fn reserve(&self) -> CoreResult<Slot> {
        let capacity = self.size.threads + self.size.queue;
        self.admitted
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < capacity).then_some(n + 1)
            })
            .map_err(|_| {
                crate::metrics::metrics().hash_pool_refusals.inc();
                CoreError::Busy {
                    retry_after_secs: BUSY_RETRY_AFTER_SECS,
                }
            })?;
        Ok(Slot {
            jobs: self.jobs.clone(),
            admitted: Admitted(Arc::clone(&self.admitted)),
        })
    }

    /// Runs `work` on a pool thread and waits for its answer; `Busy` if the pool is full.
    pub fn run<T, F>(&self, work: F) -> CoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        self.reserve()?.run(work)
    }
}

/// One admitted piece of work. Dropped unused, it gives its place back.
pub struct Slot {
    jobs: Sender<Job>,
    admitted: Admitted,
}

impl Slot {
    /// Runs `work` on a pool thread and waits for its answer.
    pub fn run<T, F>(self, work: F) -> CoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (answer, answered) = mpsc::sync_channel::<T>(1);
        let admitted = self.admitted;
        let job: Job = Box::new(move || {
            // A panic loses this answer (the caller gets an internal error), not the thread.
            let out = catch_unwind(AssertUnwindSafe(work));
            // The place is free before the caller hears back, so that its next try fits.
            drop(admitted);
            if let Ok(out) = out {
                let _ = answer.send(out);
            }
        });
        self.jobs
            .send(job)
            .map_err(|_| CoreError::Internal("argon2 pool stopped".into()))?;
        answered
            .recv()
            .map_err(|_| CoreError::Internal("argon2 work failed".into()))
    }
}

/// Counts a place as taken until dropped (once the work ran, or unused).
struct Admitted(Arc<AtomicUsize>);

impl Drop for Admitted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn work(jobs: &Mutex<Receiver<Job>>) {
    loop {
        let next = match jobs.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        match next {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

#[cfg(test)]
#[path = "hash_pool_tests.rs"]
mod tests;
