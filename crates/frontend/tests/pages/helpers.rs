//! `spawn_stack`: a fresh backend and frontend per test, and the calls tests need to fill the
//! backend through its API.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cruddur_backend::clock::SystemClock;
use cruddur_backend::settings::DatabaseUrl;
use cruddur_contract::{Activity, AuthSession, Reply};
use cruddur_frontend::settings::{Settings, api_url_from};
use reqwest::{Response, StatusCode};
use serde_json::json;
use tempfile::TempDir;
use tokio::sync::oneshot;

/// A running server that stops when dropped.
pub struct Running {
    pub address: SocketAddr,
    _stop: oneshot::Sender<()>,
}

/// The handle of a server at `address`, and the future that completes when it is dropped
/// (what the server's `run_until_stopped` waits for).
pub fn stopped_by_drop(
    address: SocketAddr,
) -> (Running, impl Future<Output = ()> + Send + 'static) {
    let (stop, stopped) = oneshot::channel::<()>();
    let running = Running {
        address,
        _stop: stop,
    };
    (running, async {
        let _ = stopped.await;
    })
}

/// A backend on `listen` (port 0 for any free port) with its database in `data`.
pub async fn spawn_backend(data: &TempDir, listen: SocketAddr) -> Running {
    let mut settings = cruddur_backend::settings::Settings::new(
        listen,
        DatabaseUrl::new(format!(
            "sqlite:{}",
            data.path().join("cruddur.db").display()
        )),
        "a test secret that is long enough for HS256"
            .to_owned()
            .into(),
    );
    settings.purge_interval = Duration::from_secs(3600);
    settings.serving.grace = Duration::from_secs(1);
    settings.database_wait = Duration::ZERO;
    // The real clock: the frontend words times against the real "now".
    let app = cruddur_backend::Application::build(&settings, Arc::new(SystemClock))
        .await
        .unwrap();
    let (running, stopped) = stopped_by_drop(app.local_addr());
    tokio::spawn(app.run_until_stopped(stopped));
    running
}

pub async fn spawn_frontend(backend: &str, timeout: Duration) -> Running {
    spawn_frontend_with(backend, timeout, false).await
}

/// A frontend with `COOKIE_SECURE` as given.
pub async fn spawn_frontend_with(backend: &str, timeout: Duration, cookie_secure: bool) -> Running {
    let settings = Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        api_url: api_url_from(backend).unwrap(),
        backend_timeout: timeout,
        serving: cruddur_serve::Limits {
            grace: Duration::from_secs(1),
            ..Default::default()
        },
        metrics_listen: None,
        cookie_secure,
        log_format: cruddur_serve::LogFormat::Text,
        trusted_proxies: Default::default(),
        frontend_key: None,
    };
    let app = cruddur_frontend::Application::build(&settings)
        .await
        .unwrap();
    let (running, stopped) = stopped_by_drop(app.local_addr());
    tokio::spawn(app.run_until_stopped(stopped));
    running
}

pub struct Stack {
    pub backend: Running,
    pub frontend: Running,
    pub client: reqwest::Client,
    _data: TempDir,
}

pub async fn spawn_stack() -> Stack {
    spawn_stack_with(false).await
}

/// A stack whose frontend has `COOKIE_SECURE` as given.
pub async fn spawn_stack_with(cookie_secure: bool) -> Stack {
    let data = tempfile::tempdir().unwrap();
    let backend = spawn_backend(&data, "127.0.0.1:0".parse().unwrap()).await;
    let frontend = spawn_frontend_with(
        &format!("http://{}", backend.address),
        Duration::from_secs(5),
        cookie_secure,
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

impl Page {
    /// The cursor of the page's link to `path?cursor=…` (its "Older" link).
    pub fn cursor_link(&self, path: &str) -> String {
        self.body
            .split(&format!(r#"href="{path}?cursor="#))
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("no link to older {path} in:\n{}", self.body))
            .to_owned()
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
                "password": PASSWORD,
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

/// A browser without JavaScript: it keeps cookies, follows no redirects, and posts forms
/// with the CSRF token their pages carry.
pub struct Browser {
    address: SocketAddr,
    client: reqwest::Client,
    cookies: Mutex<HashMap<String, String>>,
    /// Every `Set-Cookie` received, for assertions on their attributes.
    pub set_cookies: Mutex<Vec<String>>,
    /// The token of the last page with a form, while no cookie has changed since.
    csrf: Mutex<Option<String>>,
}

pub const PASSWORD: &str = "correct horse battery";

impl Stack {
    pub fn browser(&self) -> Browser {
        Browser {
            address: self.frontend.address,
            client: client(),
            cookies: Mutex::default(),
            set_cookies: Mutex::default(),
            csrf: Mutex::default(),
        }
    }

    /// A browser signed up (through the form) as `handle`.
    pub async fn signed_up_browser(&self, handle: &str, display_name: &str) -> Browser {
        let browser = self.browser();
        browser.get("/signup").await;
        let page = browser
            .post(
                "/signup",
                &[
                    ("display_name", display_name),
                    ("handle", handle),
                    ("email", &format!("{handle}@example.com")),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        browser
    }

    /// A browser signed in (through the form) as `handle`, who signed up already.
    pub async fn signed_in_browser(&self, handle: &str) -> Browser {
        let browser = self.browser();
        browser.get("/signin").await;
        let page = browser
            .post("/signin", &[("login", handle), ("password", PASSWORD)])
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        browser
    }
}

impl Browser {
    pub async fn get(&self, path: &str) -> Page {
        let request = self.client.get(format!("http://{}{path}", self.address));
        self.send(request).await
    }

    /// Posts a form with this browser's CSRF token added, as the pages' forms do.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.csrf().await;
        let mut fields = fields.to_vec();
        fields.push(("csrf_token", &csrf));
        self.post_raw(path, &fields).await
    }

    /// Posts exactly these fields, with a same-origin `Origin` header like a browser.
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let request = self
            .client
            .post(format!("http://{}{path}", self.address))
            .header("origin", format!("http://{}", self.address))
            .form(fields);
        self.send(request).await
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Page {
        let jar = self
            .cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ");
        let response = request.header("cookie", jar).send().await.unwrap();
        for set in response.headers().get_all("set-cookie") {
            // A new session or anonymous id: the forms' token changes with it.
            *self.csrf.lock().unwrap() = None;
            let set = set.to_str().unwrap().to_owned();
            let (name, value) = set.split(';').next().unwrap().split_once('=').unwrap();
            let mut cookies = self.cookies.lock().unwrap();
            if value.is_empty() {
                cookies.remove(name);
            } else {
                cookies.insert(name.to_owned(), value.to_owned());
            }
            self.set_cookies.lock().unwrap().push(set);
        }
        let page = Page::from(response).await;
        if let Some(token) = csrf_field(&page.body) {
            *self.csrf.lock().unwrap() = Some(token);
        }
        page
    }

    /// The CSRF token this browser's forms carry now, as the last page with a form showed it
    /// (the sign-in form when signed out, the composer when signed in, if need be).
    pub async fn csrf(&self) -> String {
        if let Some(token) = self.csrf.lock().unwrap().clone() {
            return token;
        }
        if self.get("/signin").await.status == StatusCode::SEE_OTHER {
            self.get("/").await;
        }
        self.csrf
            .lock()
            .unwrap()
            .clone()
            .expect("a page with a form")
    }

    /// Sets a cookie in this browser's jar without the site: what a page on a sibling port
    /// or subdomain can do.
    pub fn plant_cookie(&self, name: &str, value: &str) {
        let mut cookies = self.cookies.lock().unwrap();
        cookies.insert(name.to_owned(), value.to_owned());
        *self.csrf.lock().unwrap() = None;
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    /// The `Set-Cookie` received last for `name`, if any.
    pub fn last_set_cookie_of(&self, name: &str) -> Option<String> {
        self.set_cookies
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find(|set| set.starts_with(&format!("{name}=")))
            .cloned()
    }

    /// The `Set-Cookie` received last for `name`.
    pub fn last_set_cookie(&self, name: &str) -> String {
        self.last_set_cookie_of(name)
            .unwrap_or_else(|| panic!("no Set-Cookie for {name}"))
    }
}

/// The value of the first hidden `csrf_token` field in `html`.
pub fn csrf_field(html: &str) -> Option<String> {
    const FIELD: &str = r#"name="csrf_token" value=""#;
    let start = html.find(FIELD)? + FIELD.len();
    let end = start + html[start..].find('"')?;
    Some(html[start..end].to_owned())
}
