//! The guard against server-side request forgery: which receivers deliveries may reach.
//!
//! A subscription's URL is chosen by whoever manages subscriptions, and the server then sends
//! requests to it from inside the operator's network. Unless configured otherwise
//! (`webhooks.allow_private_networks`, `webhooks.allow_http`), deliveries therefore go over
//! `https://` only, and never to an address that is not globally reachable: loopback,
//! unspecified, link-local (which holds the cloud metadata service, 169.254.169.254), private
//! (RFC 1918, unique local `fc00::/7`), shared address space (CGNAT, `100.64.0.0/10`),
//! multicast, and the documentation and benchmarking ranges, also when written as an
//! IPv4-mapped or otherwise embedded IPv6 address.
//!
//! Two checks apply. [`check_url`] looks at the text (syntax, scheme, credentials, a literal
//! address, `localhost`), so that a bad URL can be refused when a subscription is created. The
//! `GuardedResolver` checks every address a host name resolves to, at the moment of
//! connecting, and hands the HTTP client only the addresses it accepted: the connection goes to
//! exactly the address that was checked, so a name that resolves to a public address when the
//! subscription is created and to a private one later (DNS rebinding) is still refused.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

use crate::config::WebhooksConfig;

/// A receiver URL that passed [`check_url`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryUrl(url::Url);

impl DeliveryUrl {
    /// The URL as text, normalised (`HTTPS://Example.COM` is `https://example.com/`).
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl std::fmt::Display for DeliveryUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.as_str())
    }
}

/// Why a receiver URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefusal {
    /// Not an absolute URL.
    #[error("not a valid absolute URL: {0}")]
    Syntax(String),
    /// Neither `https` nor `http`.
    #[error("the scheme {0:?} is not https")]
    Scheme(String),
    /// `http://` while `webhooks.allow_http` is off.
    #[error("plain http is refused (webhooks.allow_http is off): use https")]
    PlainHttp,
    /// User name or password in the URL: they would travel and be shown with it.
    #[error("the URL carries credentials; receivers authenticate deliveries by their signature")]
    Credentials,
    /// A fragment, which HTTP never sends.
    #[error("the URL has a fragment")]
    Fragment,
    /// An address (or `localhost`) that is not globally reachable, while
    /// `webhooks.allow_private_networks` is off.
    #[error("{host} is a {range} address, refused (webhooks.allow_private_networks is off)")]
    Address {
        /// The host as written.
        host: String,
        /// The kind of range it falls in.
        range: Range,
    },
}

/// The kinds of address deliveries never go to by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    /// `0.0.0.0/8`, `::`.
    Unspecified,
    /// `127.0.0.0/8`, `::1`, and the name `localhost`.
    Loopback,
    /// `169.254.0.0/16` (cloud metadata services live here), `fe80::/10`.
    LinkLocal,
    /// RFC 1918 (`10/8`, `172.16/12`, `192.168/16`), unique local `fc00::/7`, site-local
    /// `fec0::/10`.
    Private,
    /// Shared address space of carrier-grade NAT, `100.64.0.0/10`.
    SharedAddressSpace,
    /// `224.0.0.0/4`, `ff00::/8`.
    Multicast,
    /// `192.0.2.0/24`, `198.51.100.0/24`, `203.0.113.0/24`, `2001:db8::/32`, `3fff::/20`.
    Documentation,
    /// `198.18.0.0/15`.
    Benchmarking,
    /// Special-purpose and reserved: `192.0.0.0/24`, `192.88.99.0/24`, `240.0.0.0/4` (with the
    /// broadcast address), `100::/64`, `64:ff9b:1::/48`.
    Reserved,
}

impl std::fmt::Display for Range {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Unspecified => "unspecified",
            Self::Loopback => "loopback",
            Self::LinkLocal => "link-local",
            Self::Private => "private",
            Self::SharedAddressSpace => "shared (CGNAT)",
            Self::Multicast => "multicast",
            Self::Documentation => "documentation",
            Self::Benchmarking => "benchmarking",
            Self::Reserved => "reserved",
        })
    }
}

/// Checks a receiver URL as far as its text allows: an absolute `https` URL (or `http` with
/// `webhooks.allow_http`) without credentials or fragment, whose host, when it is an address
/// or `localhost`, is globally reachable (unless `webhooks.allow_private_networks`). A host name
/// is checked again, by address, whenever a delivery connects (by the resolver of the delivery client).
///
/// ```
/// use scim_server::config::WebhooksConfig;
/// use scim_server::delivery::{UrlRefusal, check_url};
///
/// let config = WebhooksConfig::default();
/// assert!(check_url(&config, "https://hooks.example.com/scim").is_ok());
/// assert_eq!(check_url(&config, "http://hooks.example.com/scim"), Err(UrlRefusal::PlainHttp));
/// assert!(matches!(
///     check_url(&config, "https://169.254.169.254/latest/meta-data"),
///     Err(UrlRefusal::Address { .. })
/// ));
/// ```
pub fn check_url(config: &WebhooksConfig, url: &str) -> Result<DeliveryUrl, UrlRefusal> {
    let parsed = url::Url::parse(url).map_err(|e| UrlRefusal::Syntax(e.to_string()))?;
    match parsed.scheme() {
        "https" => {}
        "http" if config.allow_http => {}
        "http" => return Err(UrlRefusal::PlainHttp),
        other => return Err(UrlRefusal::Scheme(other.to_owned())),
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(UrlRefusal::Credentials);
    }
    if parsed.fragment().is_some() {
        return Err(UrlRefusal::Fragment);
    }
    let host = parsed
        .host()
        .ok_or_else(|| UrlRefusal::Syntax("no host".into()))?;
    if !config.allow_private_networks {
        let range = match host {
            url::Host::Ipv4(ip) => refused_range(IpAddr::V4(ip)),
            url::Host::Ipv6(ip) => refused_range(IpAddr::V6(ip)),
            // RFC 6761: `localhost` and names under it always mean this machine.
            url::Host::Domain(name) => {
                let name = name.trim_end_matches('.');
                (name == "localhost" || name.ends_with(".localhost")).then_some(Range::Loopback)
            }
        };
        if let Some(range) = range {
            return Err(UrlRefusal::Address {
                host: host.to_string(),
                range,
            });
        }
    }
    Ok(DeliveryUrl(parsed))
}

/// The range `ip` falls in, if deliveries must not go there by default.
pub fn refused_range(ip: IpAddr) -> Option<Range> {
    match ip {
        IpAddr::V4(ip) => refused_v4(ip),
        IpAddr::V6(ip) => refused_v6(ip),
    }
}

fn refused_v4(ip: Ipv4Addr) -> Option<Range> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        (0, ..) => Range::Unspecified,
        (127, ..) => Range::Loopback,
        (169, 254, _) => Range::LinkLocal,
        (10, ..) | (192, 168, _) => Range::Private,
        (172, b, _) if (16..32).contains(&b) => Range::Private,
        (100, b, _) if (64..128).contains(&b) => Range::SharedAddressSpace,
        (224..=239, ..) => Range::Multicast,
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => Range::Documentation,
        (198, 18 | 19, _) => Range::Benchmarking,
        (192, 0, 0) | (192, 88, 99) | (240..=255, ..) => Range::Reserved,
        _ => return None,
    })
}

fn refused_v6(ip: Ipv6Addr) -> Option<Range> {
    // An IPv4 address written in IPv6 form reaches the IPv4 address: judge that one.
    if let Some(v4) = embedded_v4(ip) {
        return refused_v4(v4);
    }
    let s = ip.segments();
    Some(match s {
        [0, 0, 0, 0, 0, 0, 0, 0] => Range::Unspecified,
        [0, 0, 0, 0, 0, 0, 0, 1] => Range::Loopback,
        [a, ..] if a & 0xffc0 == 0xfe80 => Range::LinkLocal,
        [a, ..] if a & 0xfe00 == 0xfc00 || a & 0xffc0 == 0xfec0 => Range::Private,
        [a, ..] if a & 0xff00 == 0xff00 => Range::Multicast,
        [0x2001, 0x0db8, ..] => Range::Documentation,
        [a, ..] if a & 0xfff0 == 0x3ff0 => Range::Documentation,
        [0x0100, 0, 0, 0, ..] | [0x0064, 0xff9b, 0x0001, ..] => Range::Reserved,
        _ => return None,
    })
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`),
/// NAT64 (`64:ff9b::a.b.c.d`) or 6to4 (`2002:aabb:ccdd::`) address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let v4 = |hi: u16, lo: u16| {
        let [a, b] = hi.to_be_bytes();
        let [c, d] = lo.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    match s {
        [0, 0, 0, 0, 0, 0xffff, hi, lo] => Some(v4(hi, lo)),
        // `::` and `::1` are IPv6's own unspecified and loopback addresses.
        [0, 0, 0, 0, 0, 0, hi, lo] if hi != 0 => Some(v4(hi, lo)),
        [0x0064, 0xff9b, 0, 0, 0, 0, hi, lo] => Some(v4(hi, lo)),
        [0x2002, hi, lo, ..] => Some(v4(hi, lo)),
        _ => None,
    }
}

/// Name resolution for deliveries: the system's resolver, then only the addresses the guard
/// accepts. The HTTP client connects to what this returns, so no other address is ever tried.
#[derive(Debug)]
pub(crate) struct GuardedResolver {
    allow_private_networks: bool,
}

impl GuardedResolver {
    pub(crate) fn new(allow_private_networks: bool) -> Self {
        Self {
            allow_private_networks,
        }
    }
}

impl Resolver for GuardedResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let resolved = DefaultResolver::default().resolve(uri, config, timeout)?;
        if self.allow_private_networks {
            return Ok(resolved);
        }
        let mut accepted = self.empty();
        let mut refused = None;
        for addr in resolved.iter() {
            match refused_range(addr.ip()) {
                None => accepted.push(*addr),
                Some(range) => refused = Some((addr.ip(), range)),
            }
        }
        match refused {
            Some((ip, range)) if accepted.is_empty() => Err(ureq::Error::Io(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                Refused {
                    host: uri.host().unwrap_or_default().to_owned(),
                    ip,
                    range,
                },
            ))),
            _ => Ok(accepted),
        }
    }
}

/// A host that resolved only to refused addresses.
#[derive(Debug, thiserror::Error)]
#[error(
    "{host} resolves to {ip}, a {range} address, refused (webhooks.allow_private_networks is off)"
)]
pub(crate) struct Refused {
    host: String,
    ip: IpAddr,
    range: Range,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(allow_private_networks: bool, allow_http: bool) -> WebhooksConfig {
        WebhooksConfig {
            allow_private_networks,
            allow_http,
            ..WebhooksConfig::default()
        }
    }

    fn range(ip: &str) -> Option<Range> {
        refused_range(ip.parse().unwrap())
    }

    #[test]
    fn addresses_that_are_not_globally_reachable_are_refused() {
        for (ip, expected) in [
            ("0.0.0.0", Range::Unspecified),
            ("0.1.2.3", Range::Unspecified),
            ("127.0.0.1", Range::Loopback),
            ("127.255.255.254", Range::Loopback),
            ("169.254.169.254", Range::LinkLocal),
            ("10.1.2.3", Range::Private),
            ("172.16.0.1", Range::Private),
            ("172.31.255.255", Range::Private),
            ("192.168.1.1", Range::Private),
            ("100.64.0.1", Range::SharedAddressSpace),
            ("100.127.255.255", Range::SharedAddressSpace),
            ("224.0.0.1", Range::Multicast),
            ("239.255.255.250", Range::Multicast),
            ("192.0.2.10", Range::Documentation),
            ("198.51.100.7", Range::Documentation),
            ("203.0.113.9", Range::Documentation),
            ("198.18.0.1", Range::Benchmarking),
            ("198.19.255.255", Range::Benchmarking),
            ("192.0.0.8", Range::Reserved),
            ("240.0.0.1", Range::Reserved),
            ("255.255.255.255", Range::Reserved),
            ("::", Range::Unspecified),
            ("::1", Range::Loopback),
            ("fe80::1", Range::LinkLocal),
            ("febf::1", Range::LinkLocal),
            ("fc00::1", Range::Private),
            ("fd12:3456::1", Range::Private),
            ("fec0::1", Range::Private),
            ("ff02::1", Range::Multicast),
            ("2001:db8::1", Range::Documentation),
            ("3fff::1", Range::Documentation),
            ("100::1", Range::Reserved),
            ("64:ff9b:1::1", Range::Reserved),
            // IPv4 in IPv6 clothing is judged as the IPv4 address it reaches.
            ("::ffff:127.0.0.1", Range::Loopback),
            ("::ffff:169.254.169.254", Range::LinkLocal),
            ("::ffff:10.0.0.1", Range::Private),
            ("::127.0.0.1", Range::Loopback),
            ("64:ff9b::10.0.0.1", Range::Private),
            ("2002:a9fe:a9fe::1", Range::LinkLocal),
        ] {
            assert_eq!(range(ip), Some(expected), "{ip}");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "169.253.1.1",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2a00:1450:4001::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert_eq!(range(ip), None, "{ip}");
        }
    }

    #[test]
    fn urls_are_refused_by_scheme_credentials_and_literal_address() {
        let strict = config(false, false);
        assert_eq!(
            check_url(&strict, "https://Hooks.Example.com/in").map(|u| u.to_string()),
            Ok("https://hooks.example.com/in".to_owned())
        );
        assert_eq!(
            check_url(&strict, "http://hooks.example.com/in"),
            Err(UrlRefusal::PlainHttp)
        );
        assert_eq!(
            check_url(&strict, "ftp://hooks.example.com/in"),
            Err(UrlRefusal::Scheme("ftp".into()))
        );
        assert!(matches!(
            check_url(&strict, "hooks.example.com/in"),
            Err(UrlRefusal::Syntax(_))
        ));
        assert_eq!(
            check_url(&strict, "https://user:pw@hooks.example.com/in"),
            Err(UrlRefusal::Credentials)
        );
        assert_eq!(
            check_url(&strict, "https://hooks.example.com/in#x"),
            Err(UrlRefusal::Fragment)
        );
        for url in [
            "https://127.0.0.1:8443/in",
            "https://[::1]/in",
            "https://[::ffff:169.254.169.254]/latest",
            "https://169.254.169.254/latest/meta-data",
            "https://10.0.0.5/",
            "https://localhost:9000/in",
            "https://api.localhost./in",
            // Decimal and hexadecimal spellings are IPv4 addresses to a URL parser.
            "https://2130706433/",
            "https://0x7f.1/",
        ] {
            assert!(
                matches!(check_url(&strict, url), Err(UrlRefusal::Address { .. })),
                "{url}"
            );
        }
    }

    #[test]
    fn configuration_opens_http_and_private_networks() {
        let open = config(true, true);
        assert!(check_url(&open, "http://127.0.0.1:8080/in").is_ok());
        assert!(check_url(&open, "https://localhost/in").is_ok());
        assert_eq!(
            check_url(&config(true, false), "http://127.0.0.1/in"),
            Err(UrlRefusal::PlainHttp)
        );
        assert!(matches!(
            check_url(&config(false, true), "http://127.0.0.1/in"),
            Err(UrlRefusal::Address {
                range: Range::Loopback,
                ..
            })
        ));
    }

    #[test]
    fn the_resolver_connects_only_to_accepted_addresses() {
        let uri: Uri = "http://127.0.0.1:9/in".parse().unwrap();
        let config = ureq::config::Config::default();
        let timeout = NextTimeout {
            after: ureq::unversioned::transport::time::Duration::NotHappening,
            reason: ureq::Timeout::Global,
            per_read: None,
            per_write: None,
        };
        let refused = GuardedResolver::new(false).resolve(&uri, &config, timeout);
        assert!(
            matches!(&refused, Err(ureq::Error::Io(e)) if e.kind() == std::io::ErrorKind::PermissionDenied),
            "{refused:?}"
        );
        let allowed = GuardedResolver::new(true)
            .resolve(&uri, &config, timeout)
            .unwrap();
        assert_eq!(allowed.len(), 1);
    }
}
