//! The client's address, for the limits on asking for codes (issue 11). By default the
//! TCP peer; with `api.trust_forwarded_for` (behind a load balancer that sets it), the
//! last `X-Forwarded-For` entry, the one the load balancer added: earlier entries are
//! whatever the client wrote. An IPv6 client counts by its /64, which one subscriber
//! usually holds whole.

use std::future::{ready, Ready};
use std::net::{IpAddr, Ipv6Addr};

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use ehealth_core::context::Services;

use super::errors::ApiError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddress(pub String);

impl FromRequest for ClientAddress {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let trusted = req
            .app_data::<web::Data<Services>>()
            .is_some_and(|s| s.config.api.trust_forwarded_for);
        let forwarded = trusted.then(|| last_forwarded(req)).flatten();
        let ip = forwarded.or_else(|| req.peer_addr().map(|a| a.ip()));
        ready(Ok(Self(
            ip.map_or_else(|| "unknown".to_owned(), counted_as),
        )))
    }
}

fn last_forwarded(req: &HttpRequest) -> Option<IpAddr> {
    let last = req.headers().get_all("X-Forwarded-For").last()?;
    last.to_str().ok()?.rsplit(',').next()?.trim().parse().ok()
}

fn counted_as(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let net = Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{net}/64")
            }
        },
        IpAddr::V4(v4) => v4.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_count_by_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().expect("ip");
        assert_eq!(counted_as(a), counted_as(b));
        assert_eq!(counted_as(a), "2001:db8:1:2::/64");
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().expect("ip");
        assert_eq!(counted_as(mapped), "192.0.2.7");
    }
}
