//! `string.inIPAddrRange(cidr)`: whether an IPv4 or IPv6 address is in a CIDR block.
//!
//! As in Go's `net` package, which Cerbos uses, an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`)
//! is the IPv4 address it maps, and so is a block whose network address is IPv4-mapped
//! (`::ffff:10.0.0.0/104` is `10.0.0.0/8`). An address never belongs to a block of the other
//! family.

use std::net::IpAddr;

use cel::common::types::{CelString, STRING_TYPE};
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, ExecutionError};
use ipnet::{IpNet, Ipv4Net};

use super::lists::{boolean, two_args};

/// The function's name.
const NAME: &str = "inIPAddrRange";

/// Declares `string.inIPAddrRange(string)` on `env`.
pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_member_overload(
        NAME,
        "string_inIPAddrRange_string",
        STRING_TYPE,
        vec![STRING_TYPE],
        in_ip_addr_range,
    )
}

/// `addr.inIPAddrRange(cidr)`; an unparsable address or CIDR is an error.
fn in_ip_addr_range<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [addr, cidr] = two_args(args)?;
    let (addr, cidr) = (string(addr.as_ref())?, string(cidr.as_ref())?);
    let ip = parse_ip(addr).ok_or_else(|| {
        ExecutionError::function_error(NAME, format!("invalid IP address `{addr}`"))
    })?;
    let net = parse_cidr(cidr)
        .ok_or_else(|| ExecutionError::function_error(NAME, format!("invalid CIDR `{cidr}`")))?;
    Ok(boolean(net.contains(&ip)))
}

/// The text of a `string` argument.
fn string<'b>(value: &'b (dyn Val + '_)) -> Result<&'b str, ExecutionError> {
    value
        .downcast_ref::<CelString>()
        .map(CelString::inner)
        .ok_or_else(|| ExecutionError::UnexpectedType {
            got: value.get_type().name().to_owned(),
            want: "string".to_owned(),
        })
}

/// An IPv4 or IPv6 address, an IPv4-mapped IPv6 address as the IPv4 address.
pub(super) fn parse_ip(s: &str) -> Option<IpAddr> {
    match s.parse::<IpAddr>().ok()? {
        IpAddr::V6(v6) => Some(v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4)),
        v4 => Some(v4),
    }
}

/// A CIDR block, its host bits cleared; one whose network address is an IPv4-mapped IPv6
/// address as the IPv4 block.
pub(super) fn parse_cidr(s: &str) -> Option<IpNet> {
    let net = s.parse::<IpNet>().ok()?.trunc();
    if let IpNet::V6(v6) = net {
        if let Some(v4) = v6.network().to_ipv4_mapped() {
            let prefix = v6.prefix_len().saturating_sub(96);
            return Ipv4Net::new(v4, prefix).ok().map(IpNet::V4);
        }
    }
    Some(net)
}
