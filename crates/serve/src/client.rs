//! Who the client is, by address. Behind a reverse proxy (or, for the backend, behind the web
//! frontend) the connection's peer is the proxy; a proxy this service trusts names the client
//! in `X-Forwarded-For`. Nobody else may: the header of an untrusted peer is ignored, so a
//! client cannot pick its own address (and dodge a per-address limit).

use std::net::IpAddr;
use std::str::FromStr;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The `X-Forwarded-For` header, as proxies write it.
pub const FORWARDED_FOR: &str = "x-forwarded-for";

/// The header by which the all-in-one's frontend proves to its API that it wrote the
/// `X-Forwarded-For` beside it.
pub const FRONTEND_KEY: &str = "x-cruddur-frontend-key";

/// The networks whose connections may name the client in `X-Forwarded-For`. Parsed from a
/// comma-separated list of addresses and CIDR networks; empty trusts no one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl FromStr for TrustedProxies {
    type Err = String;

    fn from_str(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("`{item}` is neither an IP address nor a CIDR network"))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }
}

impl TrustedProxies {
    fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client's address for a request from `peer`: the peer itself, unless it is a
    /// trusted proxy; then the nearest address in `X-Forwarded-For` (read from the right, as
    /// each proxy appends) that is not itself a trusted proxy.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if self.trusts(peer) {
            self.forwarded_client(peer, headers)
        } else {
            peer
        }
    }

    /// The client named in `X-Forwarded-For` by `peer`, a proxy vouched for some other way
    /// than by its address (the all-in-one's own frontend, by a key only it holds).
    pub fn forwarded_client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer;
        let hops = headers
            .get_all(FORWARDED_FOR)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        for hop in hops.into_iter().rev() {
            // A malformed entry ends the chain: what lies beyond it cannot be vouched for.
            let Ok(address) = hop.parse::<IpAddr>() else {
                break;
            };
            client = address;
            if !self.trusts(address) {
                break;
            }
        }
        client
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(FORWARDED_FOR, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn parses_addresses_and_networks_and_refuses_the_rest() {
        let trusted: TrustedProxies = " 10.0.0.0/8, 127.0.0.1 ,::1".parse().unwrap();
        assert!(trusted.trusts(ip("10.1.2.3")) && trusted.trusts(ip("::1")));
        assert!(!trusted.trusts(ip("11.0.0.1")));
        assert_eq!("".parse::<TrustedProxies>(), Ok(TrustedProxies::default()));
        assert!("10.0.0.0/33".parse::<TrustedProxies>().is_err());
        assert!("proxy.example".parse::<TrustedProxies>().is_err());
    }

    #[test]
    fn an_untrusted_peer_cannot_name_another_client() {
        let headers = forwarded(&["203.0.113.9"]);
        assert_eq!(
            TrustedProxies::default().client(ip("198.51.100.7"), &headers),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn a_trusted_chain_is_read_from_the_right_up_to_the_first_untrusted_hop() {
        let trusted: TrustedProxies = "10.0.0.0/8".parse().unwrap();
        // The client claims to be 1.1.1.1; the edge proxy (10.0.0.2) saw 203.0.113.9.
        let headers = forwarded(&["1.1.1.1, 203.0.113.9", "10.0.0.2"]);
        assert_eq!(trusted.client(ip("10.0.0.3"), &headers), ip("203.0.113.9"));
        // No header: the proxy's own address.
        assert_eq!(
            trusted.client(ip("10.0.0.3"), &HeaderMap::new()),
            ip("10.0.0.3")
        );
        // Garbage stops the walk at the last good hop.
        let headers = forwarded(&["203.0.113.9, not-an-ip, 10.0.0.2"]);
        assert_eq!(trusted.client(ip("10.0.0.3"), &headers), ip("10.0.0.2"));
    }
}
