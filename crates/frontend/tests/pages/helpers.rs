//! `spawn_stack`: a fresh backend and frontend per test, and the calls tests need to fill the
//! backend through its API.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use cruddur_backend::clock::SystemClock;
use cruddur_backend::settings::{DatabaseUrl, LogFormat};
use cruddur_contract::{Activity, AuthSession, Reply};
use cruddur_frontend::settings::{Settings, backend_url};
use reqwest::{Response, StatusCode};
use serde_json::json;
use tempfile::TempDir;
use tokio::sync::oneshot;

/// A running server that stops when dropped.
pub struct Running {
    pub address: SocketAddr,
    _stop: oneshot::Sender<()>,
}

fn stopped_by_drop() -> (
    oneshot::Sender<()>,
    impl Future<Output = ()> + Send + 'static,
) {
    let (stop, stopped) = oneshot::channel::<()>();
    (stop, async {
        let _ = stopped.await;
    })
}

/// A backend on `listen` (port 0 for any free port) with its database in `data`.
pub async fn spawn_backend(data: &TempDir, listen: SocketAddr) -> Running {
    let settings = cruddur_backend::settings::Settings {
        listen,
        database_url: DatabaseUrl::new(format!(
            "sqlite:{}",
            data.path().join("cruddur.db").display()
        )),
        jwt_secret: "a test secret that is long enough for HS256"
            .to_owned()
            .into(),
        cors_origins: Vec::new(),
        demo_user: None,
        demo_password: None,
        seed_demo_data: false,
        log_format: LogFormat::Text,
        purge_interval: Duration::from_secs(3600),
        shutdown_grace: Duration::from_secs(1),
        database_wait: Duration::ZERO,
        jwt_secret_generated: false,
    };
    // The real clock: the frontend words times against the real "now".
    let app = cruddur_backend::Application::build(&settings, Arc::new(SystemClock))
        .await
        .unwrap();
    let address = app.local_addr();
    let (stop, stopped) = stopped_by_drop();
    tokio::spawn(app.run_until_stopped(stopped));
    Running {
        address,
        _stop: stop,
    }
}

pub async fn spawn_frontend(backend: &str, timeout: Duration) -> Running {
    let settings = Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        backend_url: backend_url(backend).unwrap(),
        backend_timeout: timeout,
        shutdown_grace: Duration::from_secs(1),
        log_format: cruddur_serve::LogFormat::Text,
    };
    let app = cruddur_frontend::Application::build(&settings)
        .await
        .unwrap();
    let address = app.local_addr();
    let (stop, stopped) = stopped_by_drop();
    tokio::spawn(app.run_until_stopped(stopped));
    Running {
        address,
        _stop: stop,
    }
}

pub struct Stack {
    pub backend: Running,
    pub frontend: Running,
    pub client: reqwest::Client,
    _data: TempDir,
}

pub async fn spawn_stack() -> Stack {
    let data = tempfile::tempdir().unwrap();
    let backend = spawn_backend(&data, "127.0.0.1:0".parse().unwrap()).await;
    let frontend = spawn_frontend(
        &format!("http://{}", backend.address),
        Duration::from_secs(5),
    )
    .await;
    Stack {
        backend,
        frontend,
        client: client(),
        _data: data,
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
}

/// A page's status, headers and body.
pub struct Page {
    pub status: StatusCode,
    pub response_headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub async fn from(response: Response) -> Page {
        Page {
            status: response.status(),
            response_headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    pub fn header(&self, name: &str) -> &str {
        self.response_headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_str()
            .unwrap()
    }

    /// Asserts the status and that the body holds every one of `needles`.
    pub fn assert(&self, status: StatusCode, needles: &[&str]) {
        assert_eq!(self.status, status, "{}", self.body);
        for needle in needles {
            assert!(
                self.body.contains(needle),
                "{needle:?} missing in:\n{}",
                self.body
            );
        }
    }
}

pub async fn get(address: SocketAddr, path: &str) -> Page {
    let response = client()
        .get(format!("http://{address}{path}"))
        .send()
        .await
        .unwrap();
    Page::from(response).await
}

impl Stack {
    pub async fn page(&self, path: &str) -> Page {
        get(self.frontend.address, path).await
    }

    fn api(&self, path: &str) -> String {
        format!("http://{}{}", self.backend.address, path)
    }

    pub async fn sign_up(&self, handle: &str, display_name: &str) -> AuthSession {
        let response = self
            .client
            .post(self.api("/api/auth/sign_up"))
            .json(&json!({
                "display_name": display_name,
                "handle": handle,
                "email": format!("{handle}@example.com"),
                "password": "correct horse battery",
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    pub async fn set_bio(&self, user: &AuthSession, bio: &str) {
        let response = self
            .client
            .patch(self.api("/api/me"))
            .bearer_auth(&user.token)
            .json(&json!({ "bio": bio }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }

    pub async fn crud(&self, user: &AuthSession, message: &str) -> Activity {
        let response = self
            .client
            .post(self.api("/api/activities"))
            .bearer_auth(&user.token)
            .json(&json!({ "message": message, "ttl": "7-days" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    pub async fn reply(&self, user: &AuthSession, to: &Activity, message: &str) -> Reply {
        let response = self
            .client
            .post(self.api(&format!("/api/activities/{}/reply", to.uuid)))
            .bearer_auth(&user.token)
            .json(&json!({ "message": message }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }
}
