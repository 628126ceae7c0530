//! A load driver for the multi-request paths of an OpenID Connect provider, which single-URL
//! generators (wrk, oha) cannot drive: each virtual user runs a whole scenario with its own
//! cookie jar, as a browser and a relying party would, over keep-alive loopback connections,
//! and accepting compressed answers (`Accept-Encoding: gzip, br`) as both do, so that the
//! server's compression of its pages is part of what is measured.
//! Written in Rust rather than JavaScript so that the driver takes a small share of the two
//! cores it shares with the server (Node's HTTP client took about half a core at 1,000
//! iterations per second). Reports iterations per second and the p50/p99 of an iteration.
//!
//!   cargo run --release -p server --example load -- BASE SCENARIO USERS SECONDS [RATE]
//!
//! SCENARIO: `register` (creates the account the others sign in with; run once first),
//! `signin` (authorize → sign-in form → code → token → userinfo, a new browser each time),
//! `silent` (`prompt=none` with a signed-in browser → code → token), `refresh`
//! (`refresh_token` grant; each virtual user keeps its rotating token).
//! RATE: iterations per second for all users together, paced open loop: an iteration's
//! latency counts from when it was due, so a server that falls behind is not flattered
//! (no coordinated omission). Without RATE, as fast as it goes. Prints one JSON line.

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Client, Method, StatusCode};
use server::crypto::{random_token, sha256_b64};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CLIENT: &str = "bench-rp";
const SECRET: &str = "bench-rp-secret";
const REDIRECT: &str = "http://127.0.0.1/cb";
const USER: &str = "bench";
const PASSWORD: &str = "correct horse battery staple";

type Failure = String;

/// A browser's cookies.
#[derive(Default)]
struct Jar(BTreeMap<String, String>);

impl Jar {
    fn header(&self) -> Option<HeaderValue> {
        if self.0.is_empty() {
            return None;
        }
        let joined = self
            .0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        HeaderValue::from_str(&joined).ok()
    }

    fn take(&mut self, headers: &HeaderMap) {
        for c in headers.get_all(header::SET_COOKIE) {
            let Ok(c) = c.to_str() else { continue };
            let mut parts = c.split(';');
            let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
                continue;
            };
            let cleared = parts.any(|a| a.trim().eq_ignore_ascii_case("max-age=0"));
            if cleared {
                self.0.remove(name.trim());
            } else {
                self.0.insert(name.trim().to_owned(), value.to_owned());
            }
        }
    }
}

/// What the driver needs of one answer.
struct Answer {
    status: StatusCode,
    location: Option<String>,
    body: String,
}

struct Driver {
    http: Client,
    base: String,
    verifier: String,
    challenge: String,
}

impl Driver {
    async fn send(
        &self,
        method: Method,
        path: &str,
        jar: Option<&mut Jar>,
        form: Option<&[(&str, &str)]>,
        extra: &[(header::HeaderName, &str)],
    ) -> Result<Answer, Failure> {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        let mut req = self.http.request(method, url);
        if let Some(cookie) = jar.as_ref().and_then(|j| j.header()) {
            req = req.header(header::COOKIE, cookie);
        }
        if let Some(fields) = form {
            req = req.form(fields);
        }
        for (name, value) in extra {
            req = req.header(name, *value);
        }
        let res = req.send().await.map_err(|e| format!("{path}: {e}"))?;
        if let Some(jar) = jar {
            jar.take(res.headers());
        }
        let status = res.status();
        let location = res
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = res.text().await.map_err(|e| format!("{path}: {e}"))?;
        Ok(Answer {
            status,
            location,
            body,
        })
    }

    fn authorize_path(&self, prompt_none: bool) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.extend_pairs([
            ("client_id", CLIENT),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "openid profile offline_access"),
            ("state", "s"),
            ("nonce", "n"),
            ("code_challenge", &self.challenge),
            ("code_challenge_method", "S256"),
        ]);
        if prompt_none {
            q.append_pair("prompt", "none");
        }
        format!("/authorize?{}", q.finish())
    }

    async fn token(&self, fields: &[(&str, &str)]) -> Result<serde_json::Value, Failure> {
        let r = self
            .http
            .post(format!("{}/token", self.base))
            .basic_auth(CLIENT, Some(SECRET))
            .form(fields)
            .send()
            .await
            .map_err(|e| format!("token: {e}"))?;
        let status = r.status();
        let body = r.text().await.map_err(|e| format!("token: {e}"))?;
        if status != StatusCode::OK {
            return Err(format!("token: {status} {}", cut(&body)));
        }
        serde_json::from_str(&body).map_err(|e| format!("token: {e}"))
    }

    async fn redeem(&self, location: Option<&str>) -> Result<serde_json::Value, Failure> {
        let code = code_of(location)?;
        self.token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &self.verifier),
        ])
        .await
    }

    /// Opens `screen` in the browser of `jar` and posts its form to `action`: the page's
    /// anti-forgery token and `fields`, from the page's origin, as a browser without
    /// JavaScript does.
    async fn submit(
        &self,
        jar: &mut Jar,
        screen: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> Result<Answer, Failure> {
        let page = expect(
            self.send(Method::GET, screen, Some(&mut *jar), None, &[])
                .await?,
            StatusCode::OK,
            screen,
        )?;
        let csrf = csrf_of(&page.body)?;
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        self.send(
            Method::POST,
            action,
            Some(jar),
            Some(&form),
            &[(header::ORIGIN, &self.base), (header::ACCEPT, "text/html")],
        )
        .await
    }

    /// A new browser opens the authorization request; answers its jar and the screen it
    /// was sent to.
    async fn start_flow(&self) -> Result<(Jar, String), Failure> {
        let mut jar = Jar::default();
        let path = self.authorize_path(false);
        let start = self
            .send(Method::GET, &path, Some(&mut jar), None, &[])
            .await?;
        let screen = start.location.ok_or("authorize: no redirect")?;
        Ok((jar, screen))
    }

    /// A new browser signs in with the password; answers its jar and the tokens.
    async fn sign_in(&self) -> Result<(Jar, serde_json::Value), Failure> {
        let (mut jar, screen) = self.start_flow().await?;
        let posted = self
            .submit(
                &mut jar,
                &screen,
                "/flow/sign-in",
                &[
                    ("identifier", USER),
                    ("password", PASSWORD),
                    ("method", "password"),
                ],
            )
            .await?;
        let resume = match (posted.status, posted.location) {
            (StatusCode::SEE_OTHER | StatusCode::FOUND, Some(l)) => l,
            (s, _) => return Err(format!("sign-in: {s} {}", cut(&posted.body))),
        };
        let resumed = self
            .send(Method::GET, &resume, Some(&mut jar), None, &[])
            .await?;
        let tokens = self.redeem(resumed.location.as_deref()).await?;
        Ok((jar, tokens))
    }

    /// Creates the benchmark's account through the registration form.
    async fn register(&self) -> Result<(), Failure> {
        let (mut jar, _) = self.start_flow().await?;
        let r = self
            .submit(
                &mut jar,
                "/register",
                "/flow/register",
                &[
                    ("username", USER),
                    ("email", ""),
                    ("new_password", PASSWORD),
                    ("confirm_password", PASSWORD),
                ],
            )
            .await?;
        if r.location.as_deref() == Some("/authorize/resume") {
            Ok(())
        } else {
            Err(format!("register: {} to {:?}", r.status, r.location))
        }
    }
}

/// One virtual user's state between iterations.
#[derive(Default)]
struct User {
    jar: Jar,
    refresh: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Scenario {
    SignIn,
    Silent,
    Refresh,
}

impl Scenario {
    async fn run(self, d: &Driver, u: &mut User) -> Result<(), Failure> {
        match self {
            Scenario::SignIn => {
                let (_, tokens) = d.sign_in().await?;
                let access = tokens["access_token"].as_str().unwrap_or_default();
                let bearer = format!("Bearer {access}");
                let info = d
                    .send(
                        Method::GET,
                        "/userinfo",
                        None,
                        None,
                        &[(header::AUTHORIZATION, &bearer)],
                    )
                    .await?;
                expect(info, StatusCode::OK, "userinfo").map(|_| ())
            }
            Scenario::Silent => {
                let path = d.authorize_path(true);
                let r = d
                    .send(Method::GET, &path, Some(&mut u.jar), None, &[])
                    .await?;
                d.redeem(r.location.as_deref()).await.map(|_| ())
            }
            Scenario::Refresh => {
                let t = d
                    .token(&[
                        ("grant_type", "refresh_token"),
                        ("refresh_token", &u.refresh),
                    ])
                    .await?;
                u.refresh = t["refresh_token"]
                    .as_str()
                    .ok_or("refresh: no new refresh token")?
                    .to_owned();
                Ok(())
            }
        }
    }
}

fn expect(a: Answer, status: StatusCode, what: &str) -> Result<Answer, Failure> {
    if a.status == status {
        Ok(a)
    } else {
        Err(format!("{what}: {} {}", a.status, cut(&a.body)))
    }
}

fn cut(body: &str) -> &str {
    body.get(..200).unwrap_or(body)
}

fn csrf_of(page: &str) -> Result<String, Failure> {
    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).ok_or("no csrf field on the page")? + marker.len();
    let len = page[start..].find('"').ok_or("no csrf field on the page")?;
    Ok(page[start..start + len].to_owned())
}

fn code_of(location: Option<&str>) -> Result<String, Failure> {
    let location = location.ok_or("no redirect to the client")?;
    let url = url::Url::parse(location).map_err(|e| format!("{location}: {e}"))?;
    url.query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| format!("no code in {location}"))
}

/// Runs one virtual user until `until`; answers its latencies (ms) and failures.
async fn worker(
    d: &Driver,
    scenario: Scenario,
    mut user: User,
    until: Instant,
    interval: Option<Duration>,
) -> (Vec<f64>, Vec<Failure>) {
    let (mut latencies, mut failures) = (Vec::new(), Vec::new());
    let mut due = Instant::now();
    while Instant::now() < until {
        if interval.is_some() {
            tokio::time::sleep_until(due.into()).await;
        } else {
            due = Instant::now();
        }
        match scenario.run(d, &mut user).await {
            Ok(()) => latencies.push(due.elapsed().as_secs_f64() * 1000.0),
            Err(e) => failures.push(e),
        }
        if let Some(interval) = interval {
            due += interval;
        }
    }
    (latencies, failures)
}

// One thread: the driver should take at most one of the cores it shares with the server.
#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str);
    let (Some(base), Some(name)) = (arg(0), arg(1)) else {
        return Err("usage: load BASE SCENARIO [USERS] [SECONDS] [RATE]".into());
    };
    let users: usize = arg(2).and_then(|s| s.parse().ok()).unwrap_or(8).max(1);
    let seconds: f64 = arg(3).and_then(|s| s.parse().ok()).unwrap_or(10.0);
    let rate: Option<f64> = arg(4).and_then(|s| s.parse().ok()).filter(|r| *r > 0.0);
    let http = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(users * 2)
        .http1_only()
        // On by default with the features; said here because the figures depend on it.
        .gzip(true)
        .brotli(true)
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    let verifier = random_token();
    let driver = Driver {
        http,
        base: base.trim_end_matches('/').to_owned(),
        challenge: sha256_b64(verifier.as_bytes()),
        verifier,
    };
    let scenario = match name {
        "register" => {
            driver.register().await?;
            println!("{{\"registered\":\"{USER}\"}}");
            return Ok(());
        }
        "signin" => Scenario::SignIn,
        "silent" => Scenario::Silent,
        "refresh" => Scenario::Refresh,
        other => return Err(format!("unknown scenario {other}")),
    };
    // Each virtual user of the silent and refresh scenarios starts signed in.
    let mut states = Vec::new();
    for _ in 0..users {
        if scenario == Scenario::SignIn {
            states.push(User::default());
            continue;
        }
        let (jar, tokens) = driver
            .sign_in()
            .await
            .map_err(|e| format!("cannot sign the virtual users in: {e}"))?;
        states.push(User {
            jar,
            refresh: tokens["refresh_token"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        });
    }
    let interval = rate.map(|r| Duration::from_secs_f64(users as f64 / r));
    let started = Instant::now();
    let until = started + Duration::from_secs_f64(seconds);
    let driver = Arc::new(driver);
    let mut runs = tokio::task::JoinSet::new();
    for (i, user) in states.into_iter().enumerate() {
        let driver = Arc::clone(&driver);
        runs.spawn(async move {
            // Paced users start spread over one interval, not all at once.
            if let Some(interval) = interval {
                tokio::time::sleep(interval.mul_f64(i as f64 / users as f64)).await;
            }
            worker(&driver, scenario, user, until, interval).await
        });
    }
    let mut latencies: Vec<f64> = Vec::new();
    let mut failures: Vec<Failure> = Vec::new();
    while let Some(done) = runs.join_next().await {
        if let Ok((l, f)) = done {
            latencies.extend(l);
            failures.extend(f);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        latencies
            .get(((p / 100.0) * latencies.len() as f64) as usize)
            .or(latencies.last())
            .copied()
            .unwrap_or(f64::NAN)
    };
    let report = serde_json::json!({
        "scenario": name,
        "users": users,
        "rate": rate.map_or(serde_json::json!("max"), |r| serde_json::json!(r)),
        "seconds": (elapsed * 10.0).round() / 10.0,
        "iterations": latencies.len(),
        "per_second": (latencies.len() as f64 / elapsed * 10.0).round() / 10.0,
        "p50_ms": (pct(50.0) * 100.0).round() / 100.0,
        "p99_ms": (pct(99.0) * 100.0).round() / 100.0,
        "errors": failures.len(),
        "first_error": failures.first(),
    });
    println!("{report}");
    Ok(())
}
