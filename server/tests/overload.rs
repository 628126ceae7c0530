//! Overload: Sesame over real TCP on loopback, flooded with password sign-ins far beyond
//! what its hashing pool takes, answers only "done" or "try later" (with `Retry-After`) and
//! serves normally afterwards; SIGTERM lets requests in flight finish.

use crate::common::*;
use reqwest::header::{COOKIE, ORIGIN, RETRY_AFTER, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::json;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

const ORIGIN_URL: &str = "http://localhost:3000";
const PASSWORD: &str = "correct horse battery staple";

/// Serves `s`'s router on a loopback port, as `sesame` does; answers its base URL.
async fn serve(s: &TestServer) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("local address");
    let app = s
        .app
        .clone()
        .into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

/// One password sign-in through the Experience API, as a new browser: starts a flow, then
/// posts the password. Answers the status of the sign-in and its `Retry-After`.
async fn sign_in(http: &reqwest::Client, base: &str, user: &str) -> (StatusCode, Option<String>) {
    let start = http
        .post(format!("{base}/api/experience"))
        .header(ORIGIN, ORIGIN_URL)
        .json(&json!({"event": "sign_in"}))
        .send()
        .await
        .expect("start the flow");
    if start.status() != StatusCode::OK {
        let retry = start.headers().get(RETRY_AFTER).map(header_text);
        return (start.status(), retry);
    }
    let cookies = start
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|c| header_text(c).split(';').next().map(String::from))
        .collect::<Vec<_>>()
        .join("; ");
    let r = http
        .post(format!("{base}/api/experience/sign-in/password"))
        .header(ORIGIN, ORIGIN_URL)
        .header(COOKIE, cookies)
        .json(&json!({"identifier": user, "password": PASSWORD}))
        .send()
        .await
        .expect("sign in");
    let retry = r.headers().get(RETRY_AFTER).map(header_text);
    (r.status(), retry)
}

fn header_text(v: &reqwest::header::HeaderValue) -> String {
    v.to_str().unwrap_or_default().to_string()
}

/// 256 sign-ins from 64 browsers at once against one hashing worker with a queue of two:
/// every answer is a success or a 503 "try later" with `Retry-After`, none is an error or a
/// time-out; afterwards a sign-in is served normally and `/health` answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_sign_ins_gets_success_or_try_later_and_then_normal_service() {
    let s = TestServer::start_with(|c| {
        // Slow enough per hash (a few milliseconds) that the queue fills.
        c.password_hashing.memory_kib = 8 * 1024;
        c.password_hashing.iterations = 2;
        c.password_hashing.workers = 1;
        c.password_hashing.queue = 2;
    })
    .await;
    s.create_user(Some("flood"), None, None, PASSWORD).await;
    let base = serve(&s).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");

    let mut tasks = Vec::new();
    for _ in 0..64 {
        let (http, base) = (http.clone(), base.clone());
        tasks.push(tokio::spawn(async move {
            let mut answers = Vec::new();
            for _ in 0..4 {
                answers.push(sign_in(&http, &base, "flood").await);
            }
            answers
        }));
    }
    let mut by_status: BTreeMap<u16, usize> = BTreeMap::new();
    for t in tasks {
        for (status, retry) in t.await.expect("flood task") {
            *by_status.entry(status.as_u16()).or_default() += 1;
            assert!(
                status.is_success()
                    || status.is_redirection()
                    || status == StatusCode::TOO_MANY_REQUESTS
                    || status == StatusCode::SERVICE_UNAVAILABLE,
                "a flooded sign-in answered {status}"
            );
            if !status.is_success() && !status.is_redirection() {
                let secs: u64 = retry
                    .as_deref()
                    .and_then(|r| r.parse().ok())
                    .unwrap_or_else(|| panic!("{status} without a Retry-After in seconds"));
                assert!(secs >= 1, "Retry-After {secs}");
            }
        }
    }
    eprintln!("answers by status: {by_status:?}");
    assert_eq!(by_status.values().sum::<usize>(), 256);
    // The pool is bounded: some sign-ins were told to come back, and some got through.
    assert!(
        by_status.get(&503).copied().unwrap_or(0) > 0,
        "the queue never filled: {by_status:?}"
    );
    assert!(
        by_status.get(&200).copied().unwrap_or(0) > 0,
        "nothing was served: {by_status:?}"
    );

    // Normal service afterwards.
    assert_eq!(sign_in(&http, &base, "flood").await.0, StatusCode::OK);
    let health = http
        .get(format!("{base}/health"))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), StatusCode::OK);
}

/// A child process killed when the test ends, however it ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The `sesame` binary, sent SIGTERM while a slow sign-in is being hashed, finishes that
/// request (200) before it exits, and accepts no new connection afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_request_in_flight_finish() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
        l.local_addr().expect("address").port()
    };
    // Heavy hashing (about two seconds here) makes the sign-in slow enough to signal during.
    let config_file = dir.path().join("sesame.toml");
    std::fs::write(
        &config_file,
        format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\npublic_url = \"{ORIGIN_URL}\"\n\
             data_dir = \"{}\"\nshutdown_grace_secs = 20\n\
             [password_hashing]\nmemory_kib = 65536\niterations = 24\n\
             [demo]\nenabled = false\n",
            dir.path().join("data").display()
        ),
    )
    .expect("config file");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_sesame"))
        .arg("--config")
        .arg(&config_file)
        .env("SESAME_LOG", "warn")
        .spawn()
        .expect("start sesame");
    let mut child = KillOnDrop(child);
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let mut up = false;
    for _ in 0..200 {
        if http.get(format!("{base}/health")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "sesame did not start on {base}");

    // No such user: the password is still hashed (against a dummy hash), which is all the
    // slow request needs; the answer is a refusal of the credentials, not an error.
    let slow = {
        let (http, base) = (http.clone(), base.clone());
        tokio::spawn(async move { sign_in(&http, &base, "nobody").await })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pid = child.0.id();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill -TERM");
    assert!(killed.success());

    let (status, _) = slow.await.expect("slow request");
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "the request in flight was cut off"
    );
    let mut exit = None;
    for _ in 0..200 {
        exit = child.0.try_wait().expect("exit status");
        if exit.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let exit = exit.expect("sesame exits after its requests finish");
    assert!(exit.success(), "sesame exited with {exit}");
    assert!(
        http.get(format!("{base}/health")).send().await.is_err(),
        "still accepting connections after shutdown"
    );
}
