//! SIGTERM under load, on the real binary: requests already being served complete, new
//! connections are refused, the process exits 0 within its grace period, and what is stored
//! afterwards is exactly what was acknowledged: no acknowledged crud is lost, and no crud was
//! stored whose response was cut off.

use std::collections::HashSet;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::task::JoinSet;

const GRACE_SECS: u64 = 5;
const WRITERS: usize = 16;

/// Kills the process if the test fails before it exits.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(data: &Path) -> (Running, String) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_cruddur-backend"))
        .env_clear()
        .env("DATA_DIR", data)
        .env("PORT", port.to_string())
        .env("JWT_SECRET", "a-test-secret-that-is-long-enough-0123")
        .env("SHUTDOWN_GRACE_SECS", GRACE_SECS.to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    (Running(child), format!("http://127.0.0.1:{port}"))
}

async fn wait_ready(client: &reqwest::Client, api: &str) {
    let started = Instant::now();
    while !client
        .get(format!("{api}/api/ready"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(started.elapsed() < Duration::from_secs(30), "never ready");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn wait_exit(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// What one writer saw: the cruds acknowledged, and any failure before the signal.
#[derive(Default)]
struct Seen {
    acknowledged: Vec<String>,
    broken: Vec<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_under_load_finishes_accepted_requests_and_loses_no_acknowledged_write() {
    let data = tempfile::tempdir().unwrap();
    let (mut running, api) = start(data.path());
    // A fresh connection per request: no pooled keep-alive connection for the server to close
    // while idle, so each write is one connection, served or not.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    wait_ready(&client, &api).await;
    let session: Value = client
        .post(format!("{api}/api/auth/sign_up"))
        .json(&json!({
            "display_name": "Ada", "handle": "ada", "email": "ada@example.com",
            "password": "correct horse battery",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["token"].as_str().unwrap().to_owned();

    let stopped = Arc::new(AtomicBool::new(false));
    let mut writers = JoinSet::new();
    for writer in 0..WRITERS {
        let (client, api, token, stopped) =
            (client.clone(), api.clone(), token.clone(), stopped.clone());
        writers.spawn(async move {
            let mut seen = Seen::default();
            for n in 0.. {
                let sent = client
                    .post(format!("{api}/api/activities"))
                    .bearer_auth(&token)
                    .json(&json!({"message": format!("writer {writer} crud {n}"), "ttl": "1-day"}))
                    .send()
                    .await;
                match sent {
                    Ok(response) if response.status().is_success() => {
                        match response.json::<Value>().await {
                            Ok(crud) => seen.acknowledged.push(crud["uuid"].to_string()),
                            Err(error) => seen.broken.push(format!("body cut: {error}")),
                        }
                    }
                    Ok(response) => seen.broken.push(format!("status {}", response.status())),
                    // After SIGTERM new connections are refused, and one still waiting in the
                    // kernel's accept queue is reset unserved. Whether a failed request was
                    // served anyway is checked against the database below.
                    Err(_) if stopped.load(Ordering::SeqCst) => break,
                    Err(error) => seen.broken.push(format!("request failed: {error}")),
                }
            }
            seen
        });
    }

    tokio::time::sleep(Duration::from_millis(1500)).await;
    stopped.store(true, Ordering::SeqCst);
    let pid = running.0.id().to_string();
    let signalled = Instant::now();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );

    // Soon after the signal the listener is gone: a new connection is refused.
    let refused_within = Instant::now();
    while client
        .get(format!("{api}/api/health-check"))
        .send()
        .await
        .is_ok()
    {
        assert!(
            refused_within.elapsed() < Duration::from_secs(1),
            "still accepting connections after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let mut acknowledged = HashSet::new();
    while let Some(seen) = writers.join_next().await {
        let seen = seen.unwrap();
        assert!(seen.broken.is_empty(), "{:?}", seen.broken);
        acknowledged.extend(seen.acknowledged);
    }
    let status = wait_exit(&mut running.0, Duration::from_secs(GRACE_SECS + 2))
        .expect("the process outlived its grace period");
    assert!(status.success(), "exit status {status}");
    assert!(signalled.elapsed() < Duration::from_secs(GRACE_SECS));
    assert!(
        acknowledged.len() > WRITERS,
        "only {} writes were acknowledged",
        acknowledged.len()
    );

    // Every acknowledged crud survived the stop.
    let (_running, api) = start(data.path());
    wait_ready(&client, &api).await;
    let mut stored = HashSet::new();
    let mut next = Some(format!("{api}/api/activities/@ada?limit=100"));
    while let Some(url) = next.take() {
        let response = client.get(&url).send().await.unwrap();
        next = response
            .headers()
            .get("link")
            .and_then(|link| link.to_str().ok())
            .and_then(|link| link.split(['<', '>']).nth(1))
            .map(|path| format!("{api}{path}"));
        let page: Vec<Value> = response.json().await.unwrap();
        stored.extend(page.iter().map(|crud| crud["uuid"].to_string()));
    }
    let lost: Vec<_> = acknowledged.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    let cut: Vec<_> = stored.difference(&acknowledged).collect();
    assert!(
        cut.is_empty(),
        "stored, but the response was cut off: {cut:?}"
    );
}
