//! The Argon2id bound of this machine: password checks per second through Sesame's own
//! hashing pool with the default parameters (19 MiB, 2 passes, one worker per core). A full
//! password sign-in costs one check, so no server can sign in faster than this here.
//!
//!   cargo run --release -p server --example argon2_bound [SECONDS]

use server::config::PasswordHashingConfig;
use server::password::Hasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let seconds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let config = PasswordHashingConfig::default();
    let Ok(hasher) = Hasher::start(&config) else {
        eprintln!("cannot start the hashing pool");
        std::process::exit(1);
    };
    let Ok(phc) = hasher.hash("a password to check").await else {
        eprintln!("cannot hash");
        std::process::exit(1);
    };
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let done = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    // Twice as many callers as workers keep the queue non-empty without overflowing it.
    for _ in 0..workers * 2 {
        let (hasher, phc, done) = (hasher.clone(), phc.clone(), Arc::clone(&done));
        tasks.push(tokio::spawn(async move {
            while Instant::now() < until {
                if let Ok(true) = hasher.verify("a password to check", Some(&phc)).await {
                    done.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let n = done.load(Ordering::Relaxed);
    println!(
        "{{\"argon2id\":\"m={} t={} p={}\",\"workers\":{workers},\"checks\":{n},\"seconds\":{elapsed:.1},\"per_second\":{:.1},\"ms_per_check_per_core\":{:.1}}}",
        config.memory_kib,
        config.iterations,
        config.parallelism,
        n as f64 / elapsed,
        1000.0 * elapsed * workers as f64 / n.max(1) as f64
    );
}
