//! The CEL environment of policy expressions (`cel-environment.md`), on the `cel` crate: the
//! shared [`Env`], the root [`Context`] evaluations run in, build-time validation of calls, and
//! conversions between JSON and CEL values.
//!
//! Available, with cel-go's semantics unless noted:
//!
//! - the standard library: operators, `size`, `type`, `dyn`, the conversions, `contains`,
//!   `startsWith`, `endsWith`, `matches` (RE2, compiled once: see [`regex`]), the time
//!   accessors with their optional time zone,
//!   and optional values (`x.?f`, `m[?k]`, `optional.of`, `optional.none`,
//!   `optional.ofNonZeroValue`, `hasValue`, `value`, `or`, `orValue`, `optMap`, `optFlatMap`);
//! - the macros `has`, `all`, `exists`, `exists_one` (and `existsOne`), `map` (2 or 3
//!   arguments), `filter`, and `cel.bind(name, init, expr)`;
//! - the two-variable comprehensions `all(i, v, p)`, `exists(i, v, p)`, `existsOne(i, v, p)`
//!   (and `exists_one`), `transformList`, `transformMap` and `transformMapEntry`, expanded
//!   into single-variable ones as the `cel` 0.15 interpreter ignores a second iteration
//!   variable;
//! - cel-go's network library: `ip(s)`, `cidr(s)`, `isIP`, `isCIDR`, `ip.isCanonical`, the
//!   methods of addresses and blocks, `==` and `string(..)` of them;
//! - the strings extension (`charAt`, `indexOf`, `lastIndexOf`, `lowerAscii`, `upperAscii`,
//!   `replace`, `split`, `substring`, `trim`, `join`, `reverse`, `format`, `strings.quote`), the
//!   math extension (`math.greatest`, `math.least`, `math.abs`, ..., `math.sqrt`), the lists
//!   extension (`lists.range`, `slice`, `flatten`, `distinct`, `reverse`, `sort`, `sortBy`) and
//!   `base64.encode`/`base64.decode`;
//! - cel-go's regex library, `regex.replace`, `regex.extract` and `regex.extractAll`, with
//!   RE2's syntax and semantics ([`regex`]), and `json.encode` ([`json`]);
//! - cel-go's sets extension: `sets.contains`, `sets.equivalent`, `sets.intersects`;
//! - Cerbos's `hasIntersection`, `intersect`, `except`, `isSubset`, the deprecated
//!   `has_intersection` and `is_subset` (each globally and as a member of a list),
//!   `string.inIPAddrRange(cidr)`, and hierarchies: `hierarchy(s)`, `hierarchy(s, delim)`,
//!   `hierarchy(list)`, their relations, `size()`, indexing, `==` and `string(h)`;
//! - Cerbos's SPIFFE functions: `spiffeID`, `spiffeTrustDomain`, their methods, and the
//!   matchers `spiffeMatchAny`, `spiffeMatchExact`, `spiffeMatchOneOf`,
//!   `spiffeMatchTrustDomain` with `matchesID`;
//! - the path functions `basePath`, `dirPath`, `extPath`, `volumeName`, `joinPath`, `relPath`,
//!   `pathHasPrefix`, `pathMatch` and `pathMatchAnyOf`, Windows paths included on every
//!   platform;
//! - `now()` and `timeSince` are known to [`check_call`], but are the engine's to evaluate: it
//!   rewrites them to read the request time.
//!
//! A call of any other function fails [`check_call`], so a policy using it is a build error.
//!
//! Differences from cel-go worth knowing: `1.0 + 1` fails as an "unsupported binary operator"
//! rather than "no such overload"; `duration()` of a string accepts trailing garbage at run time
//! (`"1hfoo"` is one hour), which is why duration literals are validated at build time with
//! [`parse_duration_literal`], as Go parses them. Also:
//!
//! - `string(double)` is written as cel-go writes it, with Go's `%g` (`"1.234567e+06"`,
//!   `"1e-05"`), where the crate would write the shortest decimal: the compiler routes
//!   `string(x)` through [`go_format`] when `x` is a double;
//! - a timestamp keeps the offset it was written with, so the accessors without a time zone
//!   read `timestamp('2024-03-10T07:30:45+02:00')` at +02:00 (`getHours()` is 7), as cel-go
//!   does; they read the usual `Z` timestamps, and `now()`, in UTC;
//! - the protobuf type names (`google.protobuf.Timestamp`, `google.protobuf.Duration`) are
//!   not declared: `type(t) == google.protobuf.Timestamp` is a build error (compare with
//!   `type(timestamp(...))` instead);
//! - unverified against cel-go: `''.indexOf('a')` and `''.lastIndexOf('a')` are `-1` where
//!   cel-go's code reads as an "index out of range" error, and `lists.range(-1)` is an error
//!   where cel-go's may give `[]`.

mod bind;
mod calls;
mod comprehensions;
mod convert;
mod duration;
pub(crate) mod go_format;
mod hierarchy;
mod json;
mod lists;
mod network;
mod paths;
pub(crate) mod regex;
mod sets;
mod spiffe;

use std::sync::{Arc, LazyLock};

use cel::{Context, DeclarationError, Env};

pub(crate) use calls::{check_call, is_namespace};
pub(crate) use convert::{json_to_val, json_to_value, value_to_json};
pub(crate) use duration::parse_duration_literal;

/// The shared environment, and whether every declaration of [`extend`] succeeded (which the
/// tests prove): one that failed leaves the declarations before it in place.
static ENV: LazyLock<(Arc<Env>, Result<(), DeclarationError>)> = LazyLock::new(|| {
    let mut env = Env::stdlib();
    let declared = extend(&mut env);
    (Arc::new(env), declared)
});

/// The shared root context, see [`root`].
static ROOT: LazyLock<Context<'static, 'static>> = LazyLock::new(root_context);

/// The environment every policy expression is compiled with and evaluated in: the standard
/// library, the strings, math, lists and encoders extensions, the `cel.bind` macro and the
/// Cerbos functions. Built once and shared.
pub(crate) fn env() -> Arc<Env> {
    Arc::clone(&ENV.0)
}

/// Adds to the standard library what policies may use beyond it.
fn extend(env: &mut Env) -> Result<(), DeclarationError> {
    // As cel-go, which Cerbos runs on: the last entry of a repeated map key wins.
    env.set_error_on_duplicate_map_keys(false);
    env.add_extension(cel::extensions::strings)?;
    env.add_extension(cel::extensions::math)?;
    env.add_extension(cel::extensions::lists)?;
    env.add_extension(cel::extensions::encoders)?;
    env.add_macro(bind::bind_macro())?;
    lists::register(env)?;
    network::register(env)?;
    sets::register(env)?;
    go_format::register(env)?;
    hierarchy::register(env)?;
    regex::register(env)?;
    json::register(env)?;
    spiffe::register(env)?;
    paths::register(env)?;
    comprehensions::register(env)?;
    Ok(())
}

/// A new root context on [`env`], holding no variables: evaluations run in an inner scope of
/// it (`new_inner_scope()`), given their variables by a resolver (`set_variable_resolver`).
/// Every function is declared on the environment, so this context adds none.
pub(crate) fn root_context() -> Context<'static, 'static> {
    Context::with_env(env())
}

/// The shared root context ([`root_context`]), built once; it is `Send + Sync`, so inner scopes
/// of it can be made on any thread.
pub(crate) fn root() -> &'static Context<'static, 'static> {
    &ROOT
}

#[cfg(test)]
mod tests;
