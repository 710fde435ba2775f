//! Demo mode lets unauthenticated requests act as the demo user, which is only safe while
//! nobody but this machine's own browser can send them:
//! - every request must be addressed to a loopback name, so a web page whose DNS name
//!   rebinds to 127.0.0.1 cannot read the demo user's data through the visitor's browser;
//! - a state-changing request acting as the demo user must come from no browser at all or
//!   from a loopback page, so another site cannot post in the demo user's name.
//!
//! Start-up refuses demo mode on anything but a loopback listen address (settings).

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use url::{Host, Url};

use crate::error::ApiError;
use crate::state::AppState;

/// Refuses, in demo mode, requests whose `Host` is not a loopback name.
pub async fn loopback_hosts_only(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()));
    // A request without any host cannot come from a browser.
    if state.demo_user.is_some() && host.is_some_and(|host| !is_loopback_authority(host)) {
        return ApiError::Rejected {
            status: StatusCode::FORBIDDEN,
            code: "host_not_allowed",
            message: "In demo mode the API answers only at localhost.".to_owned(),
        }
        .into_response();
    }
    next.run(request).await
}

/// Refuses to act as the demo user for a state change a page of another site asked for.
pub fn check_origin(method: &Method, headers: &HeaderMap) -> Result<(), ApiError> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let from_loopback = origin
        .to_str()
        .ok()
        .and_then(|origin| Url::parse(origin).ok())
        .and_then(|url| url.host().map(|host| is_loopback_host(&host.to_owned())))
        .unwrap_or(false);
    if from_loopback {
        Ok(())
    } else {
        Err(ApiError::Rejected {
            status: StatusCode::FORBIDDEN,
            code: "cross_origin_refused",
            message: "Sign in to do this from another site.".to_owned(),
        })
    }
}

/// `localhost`, `*.localhost`, 127.0.0.0/8 or `[::1]`, with or without a port.
fn is_loopback_authority(authority: &str) -> bool {
    Url::parse(&format!("http://{authority}"))
        .ok()
        .filter(|url| url.path() == "/" && url.username().is_empty())
        .and_then(|url| url.host().map(|host| is_loopback_host(&host.to_owned())))
        .unwrap_or(false)
}

fn is_loopback_host(host: &Host<String>) -> bool {
    match host {
        Host::Domain(name) => {
            let name = name.trim_end_matches('.');
            name == "localhost" || name.ends_with(".localhost")
        }
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn loopback_names_are_recognised() {
        for host in [
            "localhost",
            "localhost:3000",
            "127.0.0.1:4567",
            "127.1.2.3",
            "[::1]:80",
        ] {
            assert!(is_loopback_authority(host), "{host}");
        }
        for host in [
            "evil.example",
            "localhost.evil.example",
            "127.0.0.1.evil.example",
            "10.0.0.1:4567",
            "localhost@evil.example",
            "",
        ] {
            assert!(!is_loopback_authority(host), "{host}");
        }
    }

    #[test]
    fn state_changes_from_other_sites_are_refused() {
        let origin = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ORIGIN, HeaderValue::from_static(value));
            headers
        };
        assert!(check_origin(&Method::POST, &HeaderMap::new()).is_ok());
        assert!(check_origin(&Method::POST, &origin("http://localhost:3000")).is_ok());
        assert!(check_origin(&Method::POST, &origin("http://evil.example")).is_err());
        assert!(check_origin(&Method::DELETE, &origin("null")).is_err());
        assert!(check_origin(&Method::GET, &origin("http://evil.example")).is_ok());
    }
}
