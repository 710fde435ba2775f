//! `spawn_app`: a fresh server per test, and a few calls every test needs.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use cruddur_backend::Application;
use cruddur_backend::clock::ManualClock;
use cruddur_backend::settings::{DatabaseUrl, Settings};
use cruddur_contract::{Activity, AuthSession, Message, Reply};
use reqwest::{RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const FRONTEND_ORIGIN: &str = "http://localhost:3000";

pub struct TestApp {
    pub address: SocketAddr,
    /// Where `/metrics` is served, when the settings asked for it.
    pub metrics_address: Option<SocketAddr>,
    pub client: reqwest::Client,
    pub clock: Arc<ManualClock>,
    /// The app's database, for tests that write behind its back (as another replica would).
    pub database_url: String,
    stop: Option<oneshot::Sender<()>>,
    pub server: Option<JoinHandle<anyhow::Result<()>>>,
    _data: TempDir,
}

/// What test servers sign their tokens with.
pub const JWT_SECRET: &str = "a test secret that is long enough for HS256";

/// Settings for a test server: port 0, a database in `data`, no demo mode.
pub fn test_settings(data: &TempDir) -> Settings {
    let mut settings = Settings::new(
        "127.0.0.1:0".parse().unwrap(),
        DatabaseUrl::new(format!(
            "sqlite:{}",
            data.path().join("cruddur.db").display()
        )),
        JWT_SECRET.to_owned().into(),
    );
    settings.cors_origins = vec![FRONTEND_ORIGIN.to_owned()];
    settings.purge_interval = Duration::from_secs(3600);
    settings.serving.grace = Duration::from_secs(5);
    settings.database_wait = Duration::ZERO;
    // Tests sign many users up from one address; the limit has tests of its own.
    settings.sign_ups.per_client_per_hour = 10_000;
    settings
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let data = tempfile::tempdir().unwrap();
    let mut settings = test_settings(&data);
    configure(&mut settings);
    // A fixed, recent start so that times in assertions are predictable.
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap(),
    ));
    let app = Application::build(&settings, clock.clone()).await.unwrap();
    let database_url = settings.database_url.expose().to_owned();
    let address = app.local_addr();
    let metrics_address = app.metrics_addr();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    TestApp {
        address,
        metrics_address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        clock,
        database_url,
        stop: Some(stop),
        server: Some(server),
        _data: data,
    }
}

/// A signed-up user and their token.
pub struct TestUser {
    pub token: String,
    pub session: AuthSession,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, path)
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.client.get(self.url(path))
    }

    pub fn post(&self, path: &str) -> RequestBuilder {
        self.client.post(self.url(path))
    }

    /// `PATCH /api/me` as `user`, for the caller to give a body and send.
    pub fn patch_me(&self, user: &TestUser) -> RequestBuilder {
        self.client
            .patch(self.url("/api/me"))
            .bearer_auth(&user.token)
    }

    /// `POST /api/activities/{uuid}/{what}` (`like` or `repost`) as `user`, to send.
    pub fn react(&self, user: &TestUser, crud: &Activity, what: &str) -> RequestBuilder {
        self.post(&format!("/api/activities/{}/{what}", crud.uuid))
            .bearer_auth(&user.token)
    }

    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.client.delete(self.url(path))
    }

    /// Asks the server to stop, as SIGTERM would.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Sends `request` as `user` and decodes the 200 answer.
    pub async fn as_user<T: DeserializeOwned>(
        &self,
        user: &TestUser,
        request: RequestBuilder,
    ) -> T {
        ok_json(request.bearer_auth(&user.token).send().await.unwrap()).await
    }

    pub async fn sign_up(&self, handle: &str) -> TestUser {
        let response = self
            .post("/api/auth/sign_up")
            .json(&json!({
                "display_name": format!("{handle} Display"),
                "handle": handle,
                "email": format!("{handle}@example.com"),
                "password": "correct horse battery",
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let session: AuthSession = response.json().await.unwrap();
        TestUser {
            token: session.token.clone(),
            session,
        }
    }

    pub async fn crud(&self, user: &TestUser, message: &str) -> Activity {
        self.crud_with_ttl(user, message, "7-days").await
    }

    pub async fn crud_with_ttl(&self, user: &TestUser, message: &str, ttl: &str) -> Activity {
        let response = self
            .post("/api/activities")
            .bearer_auth(&user.token)
            .json(&json!({ "message": message, "ttl": ttl }))
            .send()
            .await
            .unwrap();
        ok_json(response).await
    }

    pub async fn reply(&self, user: &TestUser, to: &Activity, message: &str) -> Reply {
        let response = self
            .post(&format!("/api/activities/{}/reply", to.uuid))
            .bearer_auth(&user.token)
            .json(&json!({ "message": message }))
            .send()
            .await
            .unwrap();
        ok_json(response).await
    }

    /// Sends a direct message from `from` to the user handled `to`.
    pub async fn send_message(&self, from: &TestUser, to: &str, text: &str) -> Message {
        let response = self
            .post("/api/messages")
            .bearer_auth(&from.token)
            .json(&json!({"message": text, "user_receiver_handle": to}))
            .send()
            .await
            .unwrap();
        ok_json(response).await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Asserts a 200 and decodes the body.
pub async fn ok_json<T: DeserializeOwned>(response: Response) -> T {
    let status = response.status();
    let url = response.url().clone();
    let body = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{url}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{url}: {e}: {body}"))
}

/// Asserts the status and that the body is JSON, and returns it.
pub async fn error_json(response: Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status, "{}", response.url());
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(content_type.as_deref(), Some("application/json"));
    response.json().await.unwrap()
}

/// Asserts a 422 whose body is exactly these codes.
pub async fn assert_codes(response: Response, codes: &[&str]) {
    let body = error_json(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body, json!(codes));
}

/// The `rel="next"` URL path of a response's `Link` header, if any.
pub fn next_link(response: &Response) -> Option<String> {
    let link = response.headers().get("link")?.to_str().unwrap();
    let start = link.find('<')? + 1;
    let end = link.find('>')?;
    assert!(link.ends_with("rel=\"next\""), "{link}");
    Some(link[start..end].to_owned())
}
