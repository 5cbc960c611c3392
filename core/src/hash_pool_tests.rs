use std::sync::mpsc;
use std::time::Duration;

use super::*;

fn pool(threads: usize, queue: usize) -> HashPool {
    HashPool::start(PoolSize { threads, queue }).expect("pool")
}

#[test]
fn work_runs_on_a_pool_thread_and_answers() {
    let p = pool(2, 2);
    let name = p
        .run(|| thread::current().name().map(str::to_owned))
        .expect("ran");
    assert!(name.is_some_and(|n| n.starts_with("argon2-")));
    assert_eq!(p.run(|| 6 * 7).expect("ran"), 42);
}

#[test]
fn a_full_pool_refuses_at_once_and_frees_its_places_after() {
    let p = pool(1, 1);
    let (release, wait) = mpsc::channel::<()>();
    let (started, running) = mpsc::channel::<()>();
    let first = p.reserve().expect("a thread is free");
    let busy = thread::spawn(move || {
        first.run(move || {
            let _ = started.send(());
            let _ = wait.recv();
        })
    });
    running.recv().expect("the first is running");
    let queued = p.reserve().expect("the queue has one place");
    let refused_before = crate::metrics::metrics().hash_pool_refusals.get();
    match p.reserve() {
        Err(CoreError::Busy { retry_after_secs }) => assert!(retry_after_secs >= 1),
        other => panic!("expected busy, got {:?}", other.map(|_| ())),
    }
    assert!(crate::metrics::metrics().hash_pool_refusals.get() > refused_before);
    assert_eq!(
        CoreError::Busy {
            retry_after_secs: 1
        }
        .code(),
        "busy"
    );
    // A place given back unused is free again.
    drop(queued);
    let again = p.reserve().expect("the queue place came back");
    drop(again);
    release.send(()).expect("release");
    busy.join().expect("joined").expect("ran");
    // Once the running work ended, both places are free.
    let a = p.reserve().expect("free");
    let b = p.reserve().expect("free");
    assert!(p.reserve().is_err());
    drop((a, b));
}

#[test]
fn no_more_than_the_threads_run_at_once() {
    let p = pool(2, 64);
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let callers: Vec<_> = (0..16)
        .map(|_| {
            let (p, running, most) = (p.clone(), running.clone(), most.clone());
            thread::spawn(move || {
                p.run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    thread::sleep(Duration::from_millis(5));
                    running.fetch_sub(1, Ordering::SeqCst);
                })
            })
        })
        .collect();
    for c in callers {
        c.join().expect("joined").expect("admitted");
    }
    assert_eq!(most.load(Ordering::SeqCst), 2);
}

#[test]
fn a_panic_in_the_work_is_an_error_and_the_thread_lives_on() {
    let p = pool(1, 1);
    let failed = p.run(|| -> u8 { panic!("boom") });
    assert!(matches!(failed, Err(CoreError::Internal(_))));
    assert_eq!(p.run(|| 1).expect("the thread survived"), 1);
}

#[test]
fn zero_in_the_configuration_means_the_default() {
    let size = PoolSize::from_config(0, 0);
    assert!(size.threads >= 1);
    assert_eq!(size.queue, 4 * size.threads);
    assert_eq!(
        PoolSize::from_config(3, 0),
        PoolSize {
            threads: 3,
            queue: 12
        }
    );
    assert_eq!(
        PoolSize::from_config(1, 1),
        PoolSize {
            threads: 1,
            queue: 1
        }
    );
}
