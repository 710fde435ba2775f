//! The all-in-one binary as `cargo run` starts it: a fresh data folder gets the demo data, the
//! web pages and the API both answer, and SIGTERM stops the process cleanly.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A port that was free a moment ago.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Kills the process if the test fails before stopping it.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_for_ok(client: &reqwest::Client, url: &str) -> String {
    let started = Instant::now();
    loop {
        if let Ok(response) = client.get(url).send().await
            && response.status().is_success()
        {
            return response.text().await.unwrap();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{url} never answered"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn serves_pages_and_api_with_demo_data_and_stops_on_sigterm() {
    let data = tempfile::tempdir().unwrap();
    let (api_port, web_port) = (free_port(), free_port());
    let child = Command::new(env!("CARGO_BIN_EXE_cruddur"))
        .env_clear()
        .env("DATA_DIR", data.path())
        .env("PORT", api_port.to_string())
        .env("WEB_PORT", web_port.to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    let client = reqwest::Client::new();

    let page = wait_for_ok(&client, &format!("http://127.0.0.1:{web_port}/")).await;
    assert!(
        page.contains("@andrewbrown"),
        "the demo data is on the home page"
    );
    let health = wait_for_ok(
        &client,
        &format!("http://127.0.0.1:{api_port}/api/health-check"),
    )
    .await;
    assert_eq!(health, r#"{"success":true,"ver":1}"#);
    assert!(data.path().join("cruddur.db").exists());

    let pid = running.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let started = Instant::now();
    let status = loop {
        if let Some(status) = running.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "SIGTERM did not stop it"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit status {status}");
}
