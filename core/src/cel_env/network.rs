//! Network addresses: Cerbos's `string.inIPAddrRange(cidr)`, and cel-go's network library
//! (the one Kubernetes defines): `ip(s)`, `cidr(s)`, `isIP(s)`, `isCIDR(s)`,
//! `ip.isCanonical(s)`, the methods of addresses and of CIDR blocks, `==` and `string(..)`.
//!
//! `inIPAddrRange` follows Go's `net` package, which Cerbos uses for it: an IPv4-mapped IPv6
//! address (`::ffff:10.0.0.1`) is the IPv4 address it maps, and so is a block whose network
//! address is IPv4-mapped (`::ffff:10.0.0.0/104` is `10.0.0.0/8`). An address never belongs to a
//! block of the other family.
//!
//! The network library follows cel-go and Kubernetes, on Go's `net/netip`:
//!
//! - `ip(s)` parses an IPv4 address in dotted decimal (no leading zeros: `01.2.3.4` is invalid)
//!   or an IPv6 address. IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) and addresses with a zone
//!   (`fe80::1%eth0`) are rejected, so an address has one family and one canonical form. An
//!   invalid address is an error; `isIP(s)` tells without failing.
//! - `cidr(s)` parses `address/bits`, the address kept as written (`cidr("10.1.2.3/8").ip()` is
//!   `10.1.2.3`; `masked()` clears the host bits), `bits` in decimal without a sign or leading
//!   zeros, at most 32 or 128. The same addresses are rejected as by `ip`.
//! - `ip.isCanonical(s)`: whether `s` is the canonical text of its address (RFC 5952 for IPv6:
//!   lowercase, the longest run of zero groups compressed). An invalid `s` is an error.
//! - on addresses: `family()` (`4` or `6`), `isUnspecified()`, `isLoopback()`,
//!   `isLinkLocalMulticast()` (`224.0.0.0/24`, `ffx2::/16`), `isLinkLocalUnicast()`
//!   (`169.254.0.0/16`, `fe80::/10`) and `isGlobalUnicast()` (none of those, nor multicast, nor
//!   `255.255.255.255`: private ranges are global unicast, as in Go);
//! - on blocks: `containsIP(ip|string)`, `containsCIDR(cidr|string)` (the other block is inside:
//!   same family, at least as long a prefix), `ip()`, `masked()`, `prefixLength()`. A block never
//!   contains an address or block of the other family;
//! - `==` compares addresses, and blocks by address as written and length
//!   (`cidr("10.0.0.1/8") != cidr("10.0.0.0/8")`); `string(..)` gives the canonical text.

use std::any::Any;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use cel::common::ast::{CallExpr, Expr, IdedExpr};
use cel::common::types::{CelBool, CelInt, CelString, Type, STRING_TYPE};
use cel::common::value::{CowVal, StaticVal, Val};
use cel::parser::{Macro, MacroExprHelper};
use cel::{DeclarationError, Env, ExecutionError, ParseError};
use ipnet::{IpNet, Ipv4Net};

use super::lists::{boolean, two_args};

/// The function's name.
const NAME: &str = "inIPAddrRange";

/// The type of addresses, named as in cel-go.
pub(super) static IP_TYPE: Type = Type::new_unspecified_type("net.IP");

/// The type of CIDR blocks, named as in cel-go.
pub(super) static CIDR_TYPE: Type = Type::new_unspecified_type("net.CIDR");

/// The qualified name of `ip.isCanonical`.
const IS_CANONICAL: &str = "ip.isCanonical";

/// An IPv4 or IPv6 address, never IPv4-mapped, without a zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Ip(IpAddr);

/// A CIDR block: an address as written and a prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Cidr {
    /// The address, host bits as written.
    addr: IpAddr,
    /// The prefix length, at most 32 for IPv4 and 128 for IPv6.
    bits: u8,
}

impl Ip {
    /// A sample address, `127.0.0.1`, for probing calls at build time.
    pub(super) fn sample() -> Self {
        Self(IpAddr::V4(Ipv4Addr::LOCALHOST))
    }

    /// Whether this is `0.0.0.0` or `::`.
    fn is_unspecified(self) -> bool {
        self.0.is_unspecified()
    }

    /// Whether this is in `127.0.0.0/8`, or is `::1`.
    fn is_loopback(self) -> bool {
        self.0.is_loopback()
    }

    /// Whether this is in `224.0.0.0/4` or `ff00::/8`.
    fn is_multicast(self) -> bool {
        self.0.is_multicast()
    }

    /// Whether this is in `224.0.0.0/24`, or an IPv6 multicast address of link-local scope
    /// (`ffx2::/16`), as Go's `netip.Addr.IsLinkLocalMulticast`.
    fn is_link_local_multicast(self) -> bool {
        match self.0 {
            IpAddr::V4(v4) => matches!(v4.octets(), [224, 0, 0, _]),
            IpAddr::V6(v6) => v6.segments()[0] & 0xff0f == 0xff02,
        }
    }

    /// Whether this is in `169.254.0.0/16` or `fe80::/10`.
    fn is_link_local_unicast(self) -> bool {
        match self.0 {
            IpAddr::V4(v4) => matches!(v4.octets(), [169, 254, _, _]),
            IpAddr::V6(v6) => v6.segments()[0] & 0xffc0 == 0xfe80,
        }
    }

    /// Go's `netip.Addr.IsGlobalUnicast`: not unspecified, loopback, multicast, link-local
    /// unicast, nor the IPv4 broadcast address. Private addresses are global unicast.
    fn is_global_unicast(self) -> bool {
        !(self.0 == IpAddr::V4(Ipv4Addr::BROADCAST)
            || self.is_unspecified()
            || self.is_loopback()
            || self.is_multicast()
            || self.is_link_local_unicast())
    }
}

impl Cidr {
    /// A sample block, `127.0.0.0/8`, for probing calls at build time.
    pub(super) fn sample() -> Self {
        Self {
            addr: IpAddr::V4(Ipv4Addr::new(127, 0, 0, 0)),
            bits: 8,
        }
    }

    /// `addr` with the bits after the prefix cleared.
    fn mask(addr: IpAddr, bits: u8) -> IpAddr {
        match addr {
            IpAddr::V4(v4) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
                IpAddr::V4(Ipv4Addr::from(u32::from(v4) & mask))
            }
            IpAddr::V6(v6) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
                IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask))
            }
        }
    }

    /// The block with its host bits cleared.
    fn masked(self) -> Self {
        Self {
            addr: Self::mask(self.addr, self.bits),
            bits: self.bits,
        }
    }

    /// Whether `ip` is in the block.
    fn contains_ip(self, ip: Ip) -> bool {
        self.addr.is_ipv4() == ip.0.is_ipv4()
            && Self::mask(self.addr, self.bits) == Self::mask(ip.0, self.bits)
    }

    /// Whether `other` is inside the block.
    fn contains_cidr(self, other: Self) -> bool {
        self.bits <= other.bits && self.contains_ip(Ip(other.addr))
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.bits)
    }
}

/// Implements [`Val`] and [`StaticVal`] for a value type of its own `$ty` type.
macro_rules! opaque_val {
    ($t:ty, $ty:expr) => {
        impl Val for $t {
            fn get_type(&self) -> &Type {
                &$ty
            }

            fn cel_type() -> &'static Type {
                &$ty
            }

            fn equals(&self, other: &dyn Val) -> bool {
                other.downcast_ref::<$t>() == Some(self)
            }

            fn clone_as_boxed<'v>(&self) -> Box<dyn Val + 'v>
            where
                Self: 'v,
            {
                Box::new(self.clone())
            }

            fn as_any(&self) -> Option<&dyn Any> {
                Some(self)
            }
        }

        impl StaticVal for $t {}
    };
}
pub(super) use opaque_val;

opaque_val!(Ip, IP_TYPE);
opaque_val!(Cidr, CIDR_TYPE);

/// Declares `string.inIPAddrRange(string)` and the network library on `env`.
pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_member_overload(
        NAME,
        "string_inIPAddrRange_string",
        STRING_TYPE,
        vec![STRING_TYPE],
        in_ip_addr_range,
    )?;
    cel::add_overload!(env, fn ip: (CelString) -> Result<Ip>, id = "string_to_ip")?;
    cel::add_overload!(env, fn cidr: (CelString) -> Result<Cidr>, id = "string_to_cidr")?;
    cel::add_overload!(env, fn is_ip: (CelString) -> CelBool, name = "isIP")?;
    cel::add_overload!(env, fn is_cidr: (CelString) -> CelBool, name = "isCIDR")?;
    cel::add_overload!(env, fn is_canonical: (CelString) -> Result<CelBool>, name = IS_CANONICAL)?;
    env.add_macro(Macro::receiver_var_arg("isCanonical", expand_is_canonical))?;
    cel::add_overload!(env, fn ip_to_string: (Ip) -> CelString, name = "string")?;
    cel::add_overload!(env, fn cidr_to_string: (Cidr) -> CelString, name = "string")?;

    cel::add_member_overload!(env, fn family: (Ip) -> CelInt)?;
    cel::add_member_overload!(env, fn is_unspecified: (Ip) -> CelBool)?;
    cel::add_member_overload!(env, fn is_loopback: (Ip) -> CelBool)?;
    cel::add_member_overload!(env, fn is_link_local_multicast: (Ip) -> CelBool)?;
    cel::add_member_overload!(env, fn is_link_local_unicast: (Ip) -> CelBool)?;
    cel::add_member_overload!(env, fn is_global_unicast: (Ip) -> CelBool)?;

    cel::add_member_overload!(env, fn contains_ip: (Cidr, Ip) -> CelBool, name = "containsIP")?;
    cel::add_member_overload!(
        env,
        fn contains_ip_string: (Cidr, CelString) -> Result<CelBool>,
        name = "containsIP"
    )?;
    cel::add_member_overload!(
        env,
        fn contains_cidr: (Cidr, Cidr) -> CelBool,
        name = "containsCIDR"
    )?;
    cel::add_member_overload!(
        env,
        fn contains_cidr_string: (Cidr, CelString) -> Result<CelBool>,
        name = "containsCIDR"
    )?;
    cel::add_member_overload!(env, fn cidr_ip: (Cidr) -> Ip, name = "ip")?;
    cel::add_member_overload!(env, fn masked: (Cidr) -> Cidr)?;
    cel::add_member_overload!(env, fn prefix_length: (Cidr) -> CelInt)?;
    Ok(())
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

/// An address of the network library, as Kubernetes parses it: IPv4-mapped addresses and
/// zones are rejected. The error is the reason.
fn parse_addr(s: &str) -> Result<Ip, String> {
    if s.contains('%') {
        return Err(format!("ip address `{s}` with a zone is not allowed"));
    }
    match s.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_some() => {
            Err(format!("ipv4-mapped ipv6 address `{s}` is not allowed"))
        }
        Ok(addr) => Ok(Ip(addr)),
        Err(_) => Err(format!("invalid ip address `{s}`")),
    }
}

/// A CIDR block of the network library, as Go's `netip.ParsePrefix` parses it, with the
/// addresses [`parse_addr`] rejects rejected.
fn parse_prefix(s: &str) -> Result<Cidr, String> {
    let invalid = || format!("invalid cidr `{s}`");
    let (addr, bits) = s.rsplit_once('/').ok_or_else(invalid)?;
    let Ip(addr) = parse_addr(addr).map_err(|reason| format!("invalid cidr `{s}`: {reason}"))?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let digits = !bits.is_empty() && bits.bytes().all(|b| b.is_ascii_digit());
    let leading_zero = bits.len() > 1 && bits.starts_with('0');
    let bits = bits
        .parse::<u8>()
        .ok()
        .filter(|n| digits && !leading_zero && *n <= max)
        .ok_or_else(|| format!("invalid cidr `{s}`: bad prefix length `{bits}`"))?;
    Ok(Cidr { addr, bits })
}

/// An error of the function `name`.
fn error(name: &str, message: String) -> ExecutionError {
    ExecutionError::function_error(name, message)
}

/// `ip(s)`.
fn ip(s: &CelString<'_>) -> Result<Ip, ExecutionError> {
    parse_addr(s.inner()).map_err(|m| error("ip", m))
}

/// `cidr(s)`.
fn cidr(s: &CelString<'_>) -> Result<Cidr, ExecutionError> {
    parse_prefix(s.inner()).map_err(|m| error("cidr", m))
}

/// `isIP(s)`.
fn is_ip(s: &CelString<'_>) -> CelBool {
    CelBool::from(parse_addr(s.inner()).is_ok())
}

/// `isCIDR(s)`.
fn is_cidr(s: &CelString<'_>) -> CelBool {
    CelBool::from(parse_prefix(s.inner()).is_ok())
}

/// `ip.isCanonical(s)`: whether `s` is its address's canonical text.
fn is_canonical(s: &CelString<'_>) -> Result<CelBool, ExecutionError> {
    let Ip(addr) = parse_addr(s.inner()).map_err(|m| error(IS_CANONICAL, m))?;
    Ok(CelBool::from(addr.to_string() == s.inner()))
}

/// Expands `ip.isCanonical(s)` into a global call of the function `ip.isCanonical`, so that the
/// call checks as a function of the environment rather than a method on a variable `ip`;
/// declines `isCanonical` called on anything else. As in cel-go, the function wins over a
/// comprehension variable named `ip`.
fn expand_is_canonical(
    helper: &mut MacroExprHelper<'_>,
    target: &mut Option<IdedExpr>,
    args: &mut Vec<IdedExpr>,
) -> Result<Option<IdedExpr>, ParseError> {
    let on_ip = matches!(target.as_ref().map(|t| &t.expr), Some(Expr::Ident(ns)) if ns == "ip");
    if !on_ip {
        return Ok(None);
    }
    target.take();
    Ok(Some(helper.next_expr(Expr::Call(CallExpr {
        func_name: IS_CANONICAL.to_owned(),
        target: None,
        args: std::mem::take(args),
    }))))
}

/// `string(ip)`.
fn ip_to_string(ip: &Ip) -> CelString<'static> {
    CelString::from(ip.0.to_string())
}

/// `string(cidr)`.
fn cidr_to_string(cidr: &Cidr) -> CelString<'static> {
    CelString::from(cidr.to_string())
}

/// `ip.family()`: `4` or `6`.
fn family(ip: &Ip) -> CelInt {
    CelInt::from(if ip.0.is_ipv4() { 4 } else { 6 })
}

/// `ip.isUnspecified()`.
fn is_unspecified(ip: &Ip) -> CelBool {
    CelBool::from(ip.is_unspecified())
}

/// `ip.isLoopback()`.
fn is_loopback(ip: &Ip) -> CelBool {
    CelBool::from(ip.is_loopback())
}

/// `ip.isLinkLocalMulticast()`.
fn is_link_local_multicast(ip: &Ip) -> CelBool {
    CelBool::from(ip.is_link_local_multicast())
}

/// `ip.isLinkLocalUnicast()`.
fn is_link_local_unicast(ip: &Ip) -> CelBool {
    CelBool::from(ip.is_link_local_unicast())
}

/// `ip.isGlobalUnicast()`.
fn is_global_unicast(ip: &Ip) -> CelBool {
    CelBool::from(ip.is_global_unicast())
}

/// `cidr.containsIP(ip)`.
fn contains_ip(cidr: &Cidr, ip: &Ip) -> CelBool {
    CelBool::from(cidr.contains_ip(*ip))
}

/// `cidr.containsIP(s)`: `s` must be a valid address.
fn contains_ip_string(cidr: &Cidr, s: &CelString<'_>) -> Result<CelBool, ExecutionError> {
    let ip = parse_addr(s.inner()).map_err(|m| error("containsIP", m))?;
    Ok(CelBool::from(cidr.contains_ip(ip)))
}

/// `cidr.containsCIDR(other)`.
fn contains_cidr(cidr: &Cidr, other: &Cidr) -> CelBool {
    CelBool::from(cidr.contains_cidr(*other))
}

/// `cidr.containsCIDR(s)`: `s` must be a valid block.
fn contains_cidr_string(cidr: &Cidr, s: &CelString<'_>) -> Result<CelBool, ExecutionError> {
    let other = parse_prefix(s.inner()).map_err(|m| error("containsCIDR", m))?;
    Ok(CelBool::from(cidr.contains_cidr(other)))
}

/// `cidr.ip()`: the address as written.
fn cidr_ip(cidr: &Cidr) -> Ip {
    Ip(cidr.addr)
}

/// `cidr.masked()`.
fn masked(cidr: &Cidr) -> Cidr {
    cidr.masked()
}

/// `cidr.prefixLength()`.
fn prefix_length(cidr: &Cidr) -> CelInt {
    CelInt::from(i64::from(cidr.bits))
}
