//! The all-in-one binary as `cargo run` starts it: a fresh data folder gets the demo data, the
//! web pages and the API both answer, SIGTERM stops the process cleanly, and the API counts
//! browsers by the addresses its own frontend forwards, not anyone else's.

use std::net::{IpAddr, Ipv4Addr, TcpListener};
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

/// The all-in-one on a fresh data folder and two free ports.
fn start(data: &tempfile::TempDir) -> (Running, u16, u16) {
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
    (Running(child), api_port, web_port)
}

#[tokio::test]
async fn serves_pages_and_api_with_demo_data_and_stops_on_sigterm() {
    let data = tempfile::tempdir().unwrap();
    let (mut running, api_port, web_port) = start(&data);
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

/// A browser without cookies of its own, on loopback address 127.0.0.`n`.
struct Browser {
    client: reqwest::Client,
    site: String,
}

impl Browser {
    fn at(n: u8, web_port: u16) -> Self {
        let client = reqwest::Client::builder()
            .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, n)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser {
            client,
            site: format!("http://127.0.0.1:{web_port}"),
        }
    }

    /// Posts the sign-in form as a fresh visitor would: the page first, for its cookie and
    /// CSRF token. Answers the status.
    async fn sign_in(&self, login: &str, password: &str) -> u16 {
        let page = self
            .client
            .get(format!("{}/signin", self.site))
            .send()
            .await
            .unwrap();
        let cookies: Vec<String> = page
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|value| value.to_str().ok()?.split(';').next().map(str::to_owned))
            .collect();
        let html = page.text().await.unwrap();
        let token = html
            .split("name=\"csrf_token\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the form carries a CSRF token");
        let response = self
            .client
            .post(format!("{}/signin", self.site))
            .header("cookie", cookies.join("; "))
            .form(&[
                ("login", login),
                ("password", password),
                ("csrf_token", token),
            ])
            .send()
            .await
            .unwrap();
        response.status().as_u16()
    }
}

#[tokio::test]
async fn the_api_believes_only_its_own_frontend_about_who_the_browser_is() {
    let data = tempfile::tempdir().unwrap();
    let (_running, api_port, web_port) = start(&data);
    let api = format!("http://127.0.0.1:{api_port}");
    wait_for_ok(&reqwest::Client::new(), &format!("{api}/api/health-check")).await;

    // One browser guesses until its own sign-ins on the account are refused...
    let guesser = Browser::at(2, web_port);
    for _ in 0..5 {
        assert_eq!(guesser.sign_in("andrewbrown", "wrong guess").await, 422);
    }
    assert_eq!(guesser.sign_in("andrewbrown", "cruddur-demo").await, 422);
    // ...and the owner, in another browser, is not: the API told the two apart.
    let owner = Browser::at(3, web_port);
    assert_eq!(owner.sign_in("andrewbrown", "cruddur-demo").await, 303);

    // A client of the API itself cannot name another address to dodge the same limit.
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    for n in 0..6 {
        let response = client
            .post(format!("{api}/api/auth/sign_in"))
            .header("x-forwarded-for", format!("203.0.113.{n}"))
            .json(&serde_json::json!({"login": "bayko", "password": "wrong guess"}))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429]);
}
