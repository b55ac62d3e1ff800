//! Cerbos's SPIFFE functions (`cel-environment.md` §4): SPIFFE IDs, trust domains and matchers,
//! parsed and compared as the `go-spiffe` library Cerbos uses does.
//!
//! - `spiffeID(s)` parses `spiffe://<trust domain><path>`: the scheme exactly `spiffe://`, a
//!   non-empty trust domain of lowercase letters, digits, `.`, `-` and `_`, and a path that is
//!   empty or made of `/`-led segments of letters, digits, `.`, `-` and `_`, none empty, `.` or
//!   `..`, with no trailing `/`. An invalid ID is an error. Methods: `path()` (`""` or
//!   `/a/b`), `trustDomain()`, `isMemberOf(trustDomain)`.
//! - `spiffeTrustDomain(s)` takes a bare name (`example.org`) or, when `s` contains `:/`, an ID
//!   whose trust domain it is (`spiffe://example.org`, `spiffe://example.org/a`). Methods:
//!   `id()` (`"spiffe://example.org"`) and `name()` (`"example.org"`).
//! - `spiffeMatchAny()`, `spiffeMatchExact(id)`, `spiffeMatchOneOf(list of ids)` and
//!   `spiffeMatchTrustDomain(trustDomain)` make matchers, each argument a value or its string;
//!   `matcher.matchesID(id)`, the ID a value or a string, tells whether it matches.
//! - IDs and trust domains compare with `==`, and `string(..)` gives an ID's text or a trust
//!   domain's name.

use std::any::Any;

use cel::common::types::{CelBool, CelString, Type, LIST_TYPE};
use cel::common::value::{CowVal, StaticVal, Val};
use cel::{DeclarationError, Env, ExecutionError};

use super::lists::elements;
use super::network::opaque_val;

/// The type of SPIFFE IDs.
pub(super) static ID_TYPE: Type = Type::new_unspecified_type("spiffeID");

/// The type of trust domains.
pub(super) static TRUST_DOMAIN_TYPE: Type = Type::new_unspecified_type("spiffeTrustDomain");

/// The type of matchers.
pub(super) static MATCHER_TYPE: Type = Type::new_unspecified_type("spiffeMatcher");

/// The scheme of SPIFFE IDs, with its separator.
const SCHEME: &str = "spiffe://";

/// A valid SPIFFE ID: its text, and where its path starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct SpiffeId {
    /// The whole ID, `spiffe://td/path`.
    text: String,
    /// The index of the path (the length of the text before it).
    path_at: usize,
}

/// A valid trust domain name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct TrustDomain(String);

/// What a matcher accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Matcher {
    /// Every ID.
    Any,
    /// The IDs among these.
    OneOf(Vec<SpiffeId>),
    /// The IDs of a trust domain.
    TrustDomain(TrustDomain),
}

impl SpiffeId {
    /// A sample ID, `spiffe://example.org/a`, for probing calls at build time.
    pub(super) fn sample() -> Self {
        Self {
            text: "spiffe://example.org/a".to_owned(),
            path_at: SCHEME.len() + "example.org".len(),
        }
    }

    /// Parses an ID as `go-spiffe`'s `spiffeid.FromString`; the error is the reason.
    fn parse(s: &str) -> Result<Self, &'static str> {
        if s.is_empty() {
            return Err("cannot be empty");
        }
        let rest = s
            .strip_prefix(SCHEME)
            .ok_or("scheme is missing or invalid")?;
        let td_len = rest.find('/').unwrap_or(rest.len());
        if !rest[..td_len].bytes().all(trust_domain_char) {
            return Err(BAD_TRUST_DOMAIN_CHAR);
        }
        if td_len == 0 {
            return Err("trust domain is missing");
        }
        validate_path(&rest[td_len..])?;
        Ok(Self {
            text: s.to_owned(),
            path_at: SCHEME.len() + td_len,
        })
    }

    /// The path, `""` or starting with `/`.
    fn path(&self) -> &str {
        &self.text[self.path_at..]
    }

    /// The trust domain.
    fn trust_domain(&self) -> TrustDomain {
        TrustDomain(self.text[SCHEME.len()..self.path_at].to_owned())
    }
}

/// The error of a trust domain with a character outside `[a-z0-9._-]`.
const BAD_TRUST_DOMAIN_CHAR: &str =
    "trust domain characters are limited to lowercase letters, numbers, dots, dashes, and \
     underscores";

/// Whether `c` may appear in a trust domain.
fn trust_domain_char(c: u8) -> bool {
    matches!(c, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_')
}

/// Whether `c` may appear in a path segment.
fn path_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_')
}

/// Checks a path as `go-spiffe`'s `spiffeid.ValidatePath`.
fn validate_path(path: &str) -> Result<(), &'static str> {
    if path.is_empty() {
        return Ok(());
    }
    let Some(segments) = path.strip_prefix('/') else {
        return Err("path must have a leading slash");
    };
    let count = segments.split('/').count();
    for (i, segment) in segments.split('/').enumerate() {
        match segment {
            "" if i + 1 == count => return Err("path cannot have a trailing slash"),
            "" => return Err("path cannot contain empty segments"),
            "." | ".." => return Err("path cannot contain dot segments"),
            _ if !segment.bytes().all(path_char) => {
                return Err(
                    "path segment characters are limited to letters, numbers, dots, dashes, \
                     and underscores",
                )
            }
            _ => {}
        }
    }
    Ok(())
}

impl TrustDomain {
    /// A sample trust domain, `example.org`, for probing calls at build time.
    pub(super) fn sample() -> Self {
        Self("example.org".to_owned())
    }

    /// Parses a trust domain name, or an ID, as `go-spiffe`'s `TrustDomainFromString`.
    fn parse(s: &str) -> Result<Self, &'static str> {
        if s.is_empty() {
            return Err("trust domain is missing");
        }
        if s.contains(":/") {
            return SpiffeId::parse(s).map(|id| id.trust_domain());
        }
        if !s.bytes().all(trust_domain_char) {
            return Err(BAD_TRUST_DOMAIN_CHAR);
        }
        Ok(Self(s.to_owned()))
    }
}

impl Matcher {
    /// A sample matcher, for probing calls at build time.
    pub(super) fn sample() -> Self {
        Self::Any
    }

    /// Whether the matcher accepts `id`.
    fn matches(&self, id: &SpiffeId) -> bool {
        match self {
            Self::Any => true,
            Self::OneOf(ids) => ids.contains(id),
            Self::TrustDomain(td) => id.trust_domain() == *td,
        }
    }
}

opaque_val!(SpiffeId, ID_TYPE);
opaque_val!(TrustDomain, TRUST_DOMAIN_TYPE);
opaque_val!(Matcher, MATCHER_TYPE);

/// Declares the SPIFFE functions on `env`.
pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    cel::add_overload!(env, fn spiffe_id: (CelString) -> Result<SpiffeId>, name = "spiffeID")?;
    cel::add_overload!(env, fn spiffe_trust_domain: (CelString) -> Result<TrustDomain>)?;
    cel::add_overload!(env, fn id_to_string: (SpiffeId) -> CelString, name = "string")?;
    cel::add_overload!(env, fn trust_domain_to_string: (TrustDomain) -> CelString, name = "string")?;
    cel::add_member_overload!(env, fn path: (SpiffeId) -> CelString)?;
    cel::add_member_overload!(env, fn trust_domain: (SpiffeId) -> TrustDomain)?;
    cel::add_member_overload!(env, fn is_member_of: (SpiffeId, TrustDomain) -> CelBool)?;
    cel::add_member_overload!(env, fn id: (TrustDomain) -> CelString)?;
    cel::add_member_overload!(env, fn name: (TrustDomain) -> CelString)?;

    cel::add_overload!(env, fn spiffe_match_any: () -> Matcher)?;
    cel::add_overload!(env, fn match_exact: (SpiffeId) -> Matcher, name = "spiffeMatchExact")?;
    cel::add_overload!(
        env,
        fn match_exact_string: (CelString) -> Result<Matcher>,
        name = "spiffeMatchExact"
    )?;
    env.add_overload(
        "spiffeMatchOneOf",
        "spiffeMatchOneOf_list",
        vec![LIST_TYPE],
        match_one_of,
    )?;
    cel::add_overload!(
        env,
        fn match_trust_domain: (TrustDomain) -> Matcher,
        name = "spiffeMatchTrustDomain"
    )?;
    cel::add_overload!(
        env,
        fn match_trust_domain_string: (CelString) -> Result<Matcher>,
        name = "spiffeMatchTrustDomain"
    )?;
    cel::add_member_overload!(env, fn matches_id: (Matcher, SpiffeId) -> CelBool, name = "matchesID")?;
    cel::add_member_overload!(
        env,
        fn matches_id_string: (Matcher, CelString) -> Result<CelBool>,
        name = "matchesID"
    )?;
    Ok(())
}

/// The error of the function `name`.
fn error(name: &str, message: impl std::fmt::Display) -> ExecutionError {
    ExecutionError::function_error(name, message)
}

/// Parses an ID for the function `name`.
fn parse_id(name: &str, s: &str) -> Result<SpiffeId, ExecutionError> {
    SpiffeId::parse(s).map_err(|why| error(name, format!("invalid spiffe id `{s}`: {why}")))
}

/// Parses a trust domain for the function `name`.
fn parse_trust_domain(name: &str, s: &str) -> Result<TrustDomain, ExecutionError> {
    TrustDomain::parse(s)
        .map_err(|why| error(name, format!("invalid spiffe trust domain `{s}`: {why}")))
}

/// `spiffeID(s)`.
fn spiffe_id(s: &CelString<'_>) -> Result<SpiffeId, ExecutionError> {
    parse_id("spiffeID", s.inner())
}

/// `spiffeTrustDomain(s)`.
fn spiffe_trust_domain(s: &CelString<'_>) -> Result<TrustDomain, ExecutionError> {
    parse_trust_domain("spiffeTrustDomain", s.inner())
}

/// `string(id)`: the ID's text.
fn id_to_string(id: &SpiffeId) -> CelString<'static> {
    CelString::from(id.text.clone())
}

/// `string(td)`: the trust domain's name.
fn trust_domain_to_string(td: &TrustDomain) -> CelString<'static> {
    CelString::from(td.0.clone())
}

/// `id.path()`.
fn path(id: &SpiffeId) -> CelString<'static> {
    CelString::from(id.path().to_owned())
}

/// `id.trustDomain()`.
fn trust_domain(id: &SpiffeId) -> TrustDomain {
    id.trust_domain()
}

/// `id.isMemberOf(td)`.
fn is_member_of(id: &SpiffeId, td: &TrustDomain) -> CelBool {
    CelBool::from(id.trust_domain() == *td)
}

/// `td.id()`: `spiffe://` and the name.
fn id(td: &TrustDomain) -> CelString<'static> {
    CelString::from(format!("{SCHEME}{}", td.0))
}

/// `td.name()`.
fn name(td: &TrustDomain) -> CelString<'static> {
    CelString::from(td.0.clone())
}

/// `spiffeMatchAny()`.
fn spiffe_match_any() -> Matcher {
    Matcher::Any
}

/// `spiffeMatchExact(id)`.
fn match_exact(id: &SpiffeId) -> Matcher {
    Matcher::OneOf(vec![id.clone()])
}

/// `spiffeMatchExact(s)`.
fn match_exact_string(s: &CelString<'_>) -> Result<Matcher, ExecutionError> {
    Ok(Matcher::OneOf(vec![parse_id(
        "spiffeMatchExact",
        s.inner(),
    )?]))
}

/// `spiffeMatchOneOf(list)`: the elements IDs or their strings.
fn match_one_of<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    const NAME: &str = "spiffeMatchOneOf";
    let list = args
        .first()
        .ok_or_else(|| ExecutionError::invalid_argument_count(1, 0))?;
    let ids = elements(list.as_ref())?
        .into_iter()
        .map(|element| {
            if let Some(id) = element.downcast_ref::<SpiffeId>() {
                Ok(id.clone())
            } else if let Some(s) = element.downcast_ref::<CelString>() {
                parse_id(NAME, s.inner())
            } else {
                Err(error(
                    NAME,
                    format!(
                        "expected a spiffe id or a string, got {}",
                        element.get_type().name()
                    ),
                ))
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CowVal::owned(Matcher::OneOf(ids)))
}

/// `spiffeMatchTrustDomain(td)`.
fn match_trust_domain(td: &TrustDomain) -> Matcher {
    Matcher::TrustDomain(td.clone())
}

/// `spiffeMatchTrustDomain(s)`.
fn match_trust_domain_string(s: &CelString<'_>) -> Result<Matcher, ExecutionError> {
    Ok(Matcher::TrustDomain(parse_trust_domain(
        "spiffeMatchTrustDomain",
        s.inner(),
    )?))
}

/// `matcher.matchesID(id)`.
fn matches_id(matcher: &Matcher, id: &SpiffeId) -> CelBool {
    CelBool::from(matcher.matches(id))
}

/// `matcher.matchesID(s)`: `s` must be a valid ID.
fn matches_id_string(matcher: &Matcher, s: &CelString<'_>) -> Result<CelBool, ExecutionError> {
    Ok(CelBool::from(
        matcher.matches(&parse_id("matchesID", s.inner())?),
    ))
}
