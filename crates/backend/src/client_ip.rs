//! Who the client is, by address, for the per-address limits. The connection's peer, unless
//! it is a proxy this API believes: one of `TRUSTED_PROXIES`, or the all-in-one's own
//! frontend, which proves itself with a key generated for the process. Anyone else's
//! `X-Forwarded-For` is ignored, so a client cannot pick its own address.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use cruddur_serve::{FRONTEND_KEY, TrustedProxies};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use crate::error::ApiError;
use crate::state::AppState;

/// The proxies whose word on the client's address is taken.
#[derive(Debug, Default)]
pub struct ClientAddresses {
    pub proxies: TrustedProxies,
    pub frontend_key: Option<SecretString>,
}

impl ClientAddresses {
    /// The client's address for a request from `peer` with `headers`.
    pub fn of(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if self.is_own_frontend(headers) {
            self.proxies.forwarded_client(peer, headers)
        } else {
            self.proxies.client(peer, headers)
        }
    }

    fn is_own_frontend(&self, headers: &HeaderMap) -> bool {
        let (Some(key), Some(sent)) = (&self.frontend_key, headers.get(FRONTEND_KEY)) else {
            return false;
        };
        key.expose_secret().as_bytes().ct_eq(sent.as_bytes()).into()
    }
}

/// The client's address, as [`ClientAddresses`] decides it.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ConnectInfo(peer) = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .copied()
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("served without ConnectInfo")))?;
        Ok(ClientIp(state.clients.of(peer.ip(), &parts.headers)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| (name.parse().unwrap(), HeaderValue::from_static(value)))
            .collect()
    }

    const PEER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    const BROWSER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 9));

    #[test]
    fn only_the_frontend_holding_the_key_names_the_client() {
        let clients = ClientAddresses {
            proxies: TrustedProxies::default(),
            frontend_key: Some("k3y".to_owned().into()),
        };
        let forwarded = [("x-forwarded-for", "203.0.113.9")];
        assert_eq!(clients.of(PEER, &headers(&forwarded)), PEER);
        let wrong = headers(&[forwarded[0], (FRONTEND_KEY, "key")]);
        assert_eq!(clients.of(PEER, &wrong), PEER);
        let right = headers(&[forwarded[0], (FRONTEND_KEY, "k3y")]);
        assert_eq!(clients.of(PEER, &right), BROWSER);
    }

    #[test]
    fn without_a_key_nobody_is_the_frontend() {
        let clients = ClientAddresses::default();
        let sent = headers(&[("x-forwarded-for", "203.0.113.9"), (FRONTEND_KEY, "")]);
        assert_eq!(clients.of(PEER, &sent), PEER);
    }
}
