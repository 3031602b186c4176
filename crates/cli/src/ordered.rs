//! Jobs run in parallel, results consumed in job order.
//!
//! Every command that scans many objects has the same shape: jobs (files, pages of a region)
//! are independent, but their records must come out in evidence order whatever the thread
//! count. [`run`] hands out jobs from a shared counter, so a thread that finishes early takes
//! the next job at once (no batch barrier leaving a core idle), and passes results to one sink
//! on the calling thread in job order while later jobs are still running. A window bounds how
//! far the workers may run ahead of the sink, so memory stays bounded when one job is slow.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, mpsc};

/// How many jobs past the oldest unconsumed one a worker may start.
const AHEAD: usize = 64;

/// Runs `work` over `jobs` on the rayon pool (one `init` state per worker) and feeds each
/// result to `sink` in job order. The first error from `sink` stops the work (jobs not yet
/// started are skipped) and is returned.
pub(crate) fn run<'a, J, S, R, E>(
    jobs: &'a [J],
    init: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, &'a J) -> R + Sync,
    mut sink: impl FnMut(R) -> Result<(), E>,
) -> Result<(), E>
where
    J: Sync,
    R: Send,
{
    if jobs.is_empty() {
        return Ok(());
    }
    let threads = rayon::current_num_threads().clamp(1, jobs.len());
    let ahead = AHEAD.max(2 * threads);
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // How many results the sink has taken; workers wait on it when too far ahead.
    let taken = (Mutex::new(0usize), Condvar::new());
    let (tx, rx) = mpsc::channel::<(usize, R)>();
    std::thread::scope(|s| {
        let (next, stop, taken, init, work) = (&next, &stop, &taken, &init, &work);
        s.spawn(move || {
            rayon::scope(|rs| {
                for _ in 0..threads {
                    let tx = tx.clone();
                    rs.spawn(move |_| {
                        let mut state = init();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(job) = jobs.get(i) else { break };
                            {
                                let (m, cv) = taken;
                                let mut t = m.lock().unwrap_or_else(|p| p.into_inner());
                                while i >= *t + ahead && !stop.load(Ordering::Relaxed) {
                                    t = cv.wait(t).unwrap_or_else(|p| p.into_inner());
                                }
                            }
                            if stop.load(Ordering::Relaxed) {
                                break;
                            }
                            if tx.send((i, work(&mut state, job))).is_err() {
                                break;
                            }
                        }
                    });
                }
                drop(tx);
            });
        });
        let mut held: BTreeMap<usize, R> = BTreeMap::new();
        let mut want = 0usize;
        let mut result = Ok(());
        for (i, r) in rx {
            held.insert(i, r);
            while let Some(r) = held.remove(&want) {
                want += 1;
                if let Err(e) = sink(r) {
                    result = Err(e);
                    break;
                }
            }
            let (m, cv) = &taken;
            *m.lock().unwrap_or_else(|p| p.into_inner()) = want;
            if result.is_err() {
                stop.store(true, Ordering::Relaxed);
            }
            cv.notify_all();
            if result.is_err() {
                break;
            }
        }
        result
    })
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_job_order_with_any_thread_count() {
        let jobs: Vec<u64> = (0..500).collect();
        for threads in [1, 2, 7] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            let mut seen = Vec::new();
            pool.install(|| {
                run(
                    &jobs,
                    || 0u64,
                    |calls, j| {
                        *calls += 1;
                        // Uneven job costs, so jobs finish out of order.
                        std::thread::sleep(std::time::Duration::from_micros((j * 37) % 200));
                        j * 3
                    },
                    |r| {
                        seen.push(r);
                        Ok::<(), ()>(())
                    },
                )
            })
            .expect("run");
            assert_eq!(seen, jobs.iter().map(|j| j * 3).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_sink_error_stops_the_work_and_is_returned() {
        let jobs: Vec<usize> = (0..10_000).collect();
        let started = AtomicUsize::new(0);
        let mut taken = 0;
        let r = run(
            &jobs,
            || (),
            |_, j| {
                started.fetch_add(1, Ordering::Relaxed);
                *j
            },
            |j| {
                taken += 1;
                if j == 10 {
                    Err(format!("full at {j}"))
                } else {
                    Ok(())
                }
            },
        );
        assert_eq!(r, Err("full at 10".to_string()));
        assert_eq!(taken, 11);
        // Workers stop within the look-ahead window, not after every job.
        assert!(started.load(Ordering::Relaxed) < 11 + 2 * AHEAD + 16);
    }
}
