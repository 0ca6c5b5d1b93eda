//! Where a request comes from: the `Host` it was sent to and the page (`Origin`) that sent it.
//!
//! In local mode every caller acts as the local administrator, so a web page the local user
//! visits must not be able to use the server: the browser would send its requests to
//! `127.0.0.1`, and with DNS rebinding under a host name of the page's choosing. So:
//! - in local mode only requests addressed to a loopback name or address are answered (plus
//!   the configured `api.allowed_hosts`, for a local proxy); a rebound name is refused;
//! - a mutation sent from a page of another origin is refused in every mode (a browser always
//!   names the page's origin in `Origin` on a cross-origin POST);
//! - GraphQL requests must be `application/json`, which a page cannot send to another origin
//!   without the server's consent (a CORS preflight this server never grants).

use axum::http::{header, HeaderMap};
use std::net::IpAddr;

/// The host name of a `Host` header or of an origin's authority, without its port, in lower
/// case; IPv6 brackets removed.
fn host_name(authority: &str) -> String {
    let a = authority.trim();
    let name = if let Some(rest) = a.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        match a.rsplit_once(':') {
            // One colon: host:port. More: a bare IPv6 address.
            Some((h, port)) if !h.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => a,
        }
    };
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// Whether a host name can only mean this machine: `localhost` (and names under it, which
/// browsers resolve to loopback themselves) or a loopback address.
pub fn is_loopback_name(name: &str) -> bool {
    name == "localhost" || name.ends_with(".localhost") || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether a request addressed to `host` (its `Host` header) may be answered.
pub fn host_allowed(host: Option<&str>, local_mode: bool, allowed: &[String]) -> Result<(), String> {
    let Some(host) = host else {
        return if local_mode { Err("the request names no Host".into()) } else { Ok(()) };
    };
    let name = host_name(host);
    if allowed.iter().any(|a| host_name(a) == name) {
        return Ok(());
    }
    if !allowed.is_empty() && !local_mode {
        return Err(format!("host `{name}` is not in api.allowed_hosts"));
    }
    if local_mode && !is_loopback_name(&name) {
        return Err(format!(
            "in local mode the server answers only requests addressed to a loopback name or address, not `{name}` \
             (add it to api.allowed_hosts when a proxy forwards to this server)"
        ));
    }
    Ok(())
}

/// Whether a mutation may run, given where its request came from: refused when a browser
/// says the page is of another site (`Origin` not this server, or `Sec-Fetch-Site:
/// cross-site`). Requests without these headers come from programs, not pages.
pub fn mutation_origin_allowed(headers: &HeaderMap, allowed_origins: &[String]) -> Result<(), String> {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).map(str::to_ascii_lowercase);
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("").trim();
        if allowed_origins.iter().any(|a| a.trim_end_matches('/').eq_ignore_ascii_case(origin)) {
            return Ok(());
        }
        // `scheme://host[:port]`; `null` (sandboxed frames, files) is never this server.
        let authority = origin.split_once("://").map(|(_, a)| a.to_ascii_lowercase());
        if authority.is_none() || authority != host {
            return Err(format!(
                "a mutation from a page of another origin (`{origin}`) is refused; add it to api.allowed_origins if it is yours"
            ));
        }
    }
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return Err("a mutation sent by a page of another site is refused".into());
    }
    Ok(())
}

/// Whether a GraphQL POST carries JSON: `application/json` or
/// `application/graphql-response+json`, parameters such as charset allowed.
pub fn is_json_content(headers: &HeaderMap) -> bool {
    let Some(ct) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else { return false };
    let mime = ct.split(';').next().unwrap_or("").trim();
    mime.eq_ignore_ascii_case("application/json") || mime.eq_ignore_ascii_case("application/graphql-response+json")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn loopback_hosts_only_in_local_mode() {
        for ok in ["127.0.0.1:8080", "localhost:8080", "LOCALHOST", "[::1]:8080", "127.1.2.3", "app.localhost:9000", "localhost."] {
            assert!(host_allowed(Some(ok), true, &[]).is_ok(), "{ok}");
        }
        for bad in
            ["evil.example", "evil.example:8080", "127.0.0.1.evil.example", "localhost.evil.example", "10.0.0.5:8080", "[2001:db8::1]:80"]
        {
            assert!(host_allowed(Some(bad), true, &[]).is_err(), "{bad}");
        }
        assert!(host_allowed(None, true, &[]).is_err());
        assert!(host_allowed(Some("catalog.internal:443"), true, &["catalog.internal".into()]).is_ok());
        // With an issuer any host is answered unless a list is configured.
        assert!(host_allowed(Some("catalog.example.com"), false, &[]).is_ok());
        assert!(host_allowed(Some("evil.example"), false, &["catalog.example.com".into()]).is_err());
    }

    #[test]
    fn mutations_from_other_origins_are_refused() {
        let headers = |origin: Option<&str>, site: Option<&str>| {
            let mut h = HeaderMap::new();
            h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
            if let Some(o) = origin {
                h.insert(header::ORIGIN, HeaderValue::from_str(o).unwrap());
            }
            if let Some(s) = site {
                h.insert("sec-fetch-site", HeaderValue::from_str(s).unwrap());
            }
            h
        };
        assert!(mutation_origin_allowed(&headers(None, None), &[]).is_ok());
        assert!(mutation_origin_allowed(&headers(Some("http://127.0.0.1:8080"), Some("same-origin")), &[]).is_ok());
        assert!(mutation_origin_allowed(&headers(Some("https://evil.example"), None), &[]).is_err());
        assert!(mutation_origin_allowed(&headers(Some("null"), None), &[]).is_err());
        assert!(mutation_origin_allowed(&headers(Some("http://127.0.0.1:8081"), None), &[]).is_err());
        assert!(mutation_origin_allowed(&headers(None, Some("cross-site")), &[]).is_err());
        assert!(mutation_origin_allowed(&headers(Some("https://tools.example"), None), &["https://tools.example".into()]).is_ok());
    }

    #[test]
    fn only_json_bodies() {
        let mut h = HeaderMap::new();
        assert!(!is_json_content(&h));
        for (ct, ok) in [
            ("application/json", true),
            ("application/json; charset=utf-8", true),
            ("Application/JSON", true),
            ("application/graphql-response+json", true),
            ("text/plain", false),
            ("application/x-www-form-urlencoded", false),
            ("multipart/form-data; boundary=x", false),
        ] {
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
            assert_eq!(is_json_content(&h), ok, "{ct}");
        }
    }
}
