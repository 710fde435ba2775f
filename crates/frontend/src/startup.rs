//! Building and running the application: bind, serve until told to stop, then drain.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use cruddur_serve::TrustedProxies;
use cruddur_serve::{Listeners, Metrics};

use crate::api::ApiClient;
use crate::settings::Settings;
use crate::views::public_pages::PublicPages;
use crate::views::sidebar::SidebarCache;
use crate::{assets, error, security, session, views};

/// What every handler may use: the backend client, the sidebar's sample of the timeline, the
/// signed-out pages as last rendered, how to mark cookies, and whose `X-Forwarded-For` to
/// believe.
#[derive(Debug, Clone)]
pub struct AppState {
    pub api: ApiClient,
    pub sidebar: Arc<SidebarCache>,
    pub public_pages: Arc<PublicPages>,
    pub cookie_secure: bool,
    pub trusted_proxies: TrustedProxies,
}

pub struct Application {
    listeners: Listeners,
    router: Router,
    serving: cruddur_serve::Limits,
    metrics: Metrics,
}

/// The `service` label of the pages' series.
pub const SERVICE: &str = "frontend";

impl Application {
    /// Builds the backend client and binds the listener (port 0 picks a free port). The
    /// backend need not be up yet: pages answer 502 until it is, and recover when it is.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        Self::build_with_metrics(settings, None).await
    }

    /// [`Application::build`], counting in `shared` when given (the all-in-one's metrics, which
    /// its API serves).
    pub async fn build_with_metrics(
        settings: &Settings,
        shared: Option<Metrics>,
    ) -> anyhow::Result<Self> {
        let api = ApiClient::new(
            settings.api_url.clone(),
            settings.backend_timeout,
            // Both services read the same IDLE_TIMEOUT_SECS; half of it keeps clear of the
            // backend closing a connection as this one sends on it.
            settings.serving.idle / 2,
            settings.frontend_key.clone(),
        )?;
        let listeners = Listeners::bind(settings.listen, settings.metrics_listen).await?;
        // Requests are timed only when the figures are served, here or by the all-in-one's API.
        let tracked = shared.is_some() || listeners.serves_metrics();
        let metrics = shared.unwrap_or_default();
        let router = app(AppState {
            api,
            sidebar: Arc::default(),
            public_pages: Arc::new(PublicPages::counted(
                metrics.lookups(SERVICE, "rendered_pages"),
            )),
            cookie_secure: settings.cookie_secure,
            trusted_proxies: settings.trusted_proxies.clone(),
        });
        Ok(Application {
            listeners,
            router: cruddur_serve::traced(match tracked {
                true => metrics.track(SERVICE, router),
                false => router,
            }),
            serving: settings.serving,
            metrics,
        })
    }

    /// Where `/metrics` is served, if anywhere.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.listeners.metrics_addr()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listeners.local_addr()
    }

    /// Serves until `shutdown` completes, then stops accepting connections and gives in-flight
    /// requests up to the grace period to finish.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        tracing::info!(address = %self.local_addr(), "Cruddur web pages listening");
        self.listeners
            .serve(self.router, &self.metrics, shutdown, self.serving)
            .await
    }
}

/// The liveness route: it answers while the server runs and touches no backend, so the
/// container's health does not follow the backend's (the pages say when that is down).
pub const LIVENESS_PATH: &str = "/healthz";

/// The largest form body read. Far above any valid form (a 1024-character reply is at most
/// 12 KiB form-encoded), so text pasted far too long still gets its form back with the "too
/// long" sentence next to the field; a body beyond it gets the 413 page.
pub const FORM_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// Every page and asset, wrapped in the session and CSRF layer and the security headers
/// (which also cover the 404 and error pages); request ids, logging and metrics go around it.
/// The liveness route stays outside the session layer: a probe needs no cookie.
pub fn app(state: AppState) -> Router {
    use views::{
        account, actions, delete, edit_profile, home, messages, notifications, profile, search,
        status,
    };
    let pages = Router::new()
        .route("/", get(home::show))
        .route("/following", get(home::following))
        .route("/search", get(search::show))
        .route("/signup", get(account::show_sign_up).post(account::sign_up))
        .route("/signin", get(account::show_sign_in).post(account::sign_in))
        .route("/signout", post(account::sign_out))
        .route("/cruds", post(actions::create_crud))
        .route("/cruds/{uuid}/like", post(actions::like))
        .route("/cruds/{uuid}/repost", post(actions::repost))
        .route("/notifications", get(notifications::show))
        .route(
            "/settings/profile",
            get(edit_profile::show).post(edit_profile::save),
        )
        .route("/messages", get(messages::groups))
        .route(
            "/messages/@{handle}",
            get(messages::conversation).post(messages::send),
        )
        .route("/@{handle}", get(profile::show))
        .route("/@{handle}/follow", post(actions::follow))
        .route("/@{handle}/status/{uuid}", get(status::show))
        .route("/@{handle}/status/{uuid}/reply", post(actions::reply))
        .route(
            "/@{handle}/status/{uuid}/delete",
            get(delete::crud).post(actions::delete_crud),
        )
        .route(
            "/@{handle}/status/{uuid}/replies/{reply}/delete",
            get(delete::reply).post(actions::delete_reply),
        )
        .route("/static/{file}", get(assets::serve))
        .fallback(error::not_found)
        .layer(DefaultBodyLimit::max(FORM_BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::layer,
        ))
        .with_state(state);
    Router::new()
        .route(LIVENESS_PATH, get(|| async { "ok" }))
        .merge(pages)
        .layer(axum::middleware::map_response(security::headers))
}
