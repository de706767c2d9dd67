//! The client's address, as login throttling counts it.
//!
//! `X-Forwarded-For` is believed only when the connection comes from a
//! configured reverse proxy (`XIAOZHEN_TRUSTED_PROXIES`): from anyone else
//! it is a header the client chose, and believing it would let an attacker
//! spread failures over made-up addresses or charge them to someone else's.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::state::AppState;

/// The client's address (`unknown` when the server runs without connect
/// info, as in some tests).
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let client = peer.map(|peer| client_ip(peer, &parts.headers, &state.config.trusted_proxies));
        Ok(ClientAddr(
            client.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string()),
        ))
    }
}

/// The peer, unless it is a trusted proxy: then the nearest address in
/// `X-Forwarded-For` that is not itself a trusted proxy (each proxy appends
/// the address it received from, so the list is read from the right; what
/// lies left of the first untrusted hop may be forged). A header that does
/// not parse leaves the peer.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let mut hops = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let Ok(text) = value.to_str() else {
            return peer;
        };
        for hop in text.split(',') {
            match hop.trim().parse::<IpAddr>() {
                Ok(ip) => hops.push(ip),
                Err(_) => return peer,
            }
        }
    }
    hops.into_iter().rev().find(|ip| !trusted.contains(ip)).unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", v.parse().unwrap());
        }
        headers
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy = ip("10.0.0.5");
        let trusted = [proxy, ip("10.0.0.6")];
        let h = forwarded(&["203.0.113.9"]);
        assert_eq!(client_ip(ip("198.51.100.1"), &h, &trusted), ip("198.51.100.1"));
        assert_eq!(client_ip(ip("198.51.100.1"), &h, &[]), ip("198.51.100.1"));
        assert_eq!(client_ip(proxy, &h, &trusted), ip("203.0.113.9"));
        // A forged entry left of the real client is not believed; trusted
        // hops on the right are skipped.
        let chain = forwarded(&["1.2.3.4, 203.0.113.9", "10.0.0.6"]);
        assert_eq!(client_ip(proxy, &chain, &trusted), ip("203.0.113.9"));
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &trusted), proxy);
        assert_eq!(client_ip(proxy, &forwarded(&["not-an-ip"]), &trusted), proxy);
        assert_eq!(client_ip(proxy, &forwarded(&["10.0.0.6"]), &trusted), proxy);
    }
}
