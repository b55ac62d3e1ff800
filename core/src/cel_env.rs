//! The CEL environment of policy expressions (`cel-environment.md`), on the `cel` crate: the
//! shared [`Env`], the root [`Context`] evaluations run in, build-time validation of calls, and
//! conversions between JSON and CEL values.
//!
//! Available, with cel-go's semantics unless noted:
//!
//! - the standard library: operators, `size`, `type`, `dyn`, the conversions, `contains`,
//!   `startsWith`, `endsWith`, `matches`, the time accessors with their optional time zone,
//!   and optional values (`x.?f`, `m[?k]`, `optional.of`, `optional.none`,
//!   `optional.ofNonZeroValue`, `hasValue`, `value`, `or`, `orValue`, `optMap`, `optFlatMap`);
//! - the macros `has`, `all`, `exists`, `exists_one` (and `existsOne`), `map` (2 or 3
//!   arguments), `filter`, and `cel.bind(name, init, expr)`;
//! - the strings extension (`charAt`, `indexOf`, `lastIndexOf`, `lowerAscii`, `upperAscii`,
//!   `replace`, `split`, `substring`, `trim`, `join`, `reverse`, `format`, `strings.quote`), the
//!   math extension (`math.greatest`, `math.least`, `math.abs`, ..., `math.sqrt`), the lists
//!   extension (`lists.range`, `slice`, `flatten`, `distinct`, `reverse`, `sort`, `sortBy`) and
//!   `base64.encode`/`base64.decode`;
//! - cel-go's sets extension: `sets.contains`, `sets.equivalent`, `sets.intersects`;
//! - Cerbos's `hasIntersection`, `intersect`, `except`, `isSubset`, the deprecated
//!   `has_intersection` and `is_subset` (each globally and as a member of a list),
//!   `string.inIPAddrRange(cidr)`, and hierarchies: `hierarchy(s)`, `hierarchy(s, delim)`,
//!   `hierarchy(list)`, their relations, `size()`, indexing, `==` and `string(h)`;
//! - `now()` and `timeSince` are known to [`check_call`], but are the engine's to evaluate: it
//!   rewrites them to read the request time.
//!
//! Not available yet (§4, §5): `json.encode`; the two-variable comprehensions (`all(i, v, p)`,
//! `exists(i, v, p)`, `existsOne(i, v, p)`, `transformList`, `transformMap`,
//! `transformMapEntry`), as the `cel` 0.15 interpreter ignores a second iteration variable; the
//! regex and network libraries; `spiffeID`, `spiffeTrustDomain` and the SPIFFE matchers; the
//! path functions. Calls to them fail [`check_call`], so a policy using them is a build error.
//!
//! Differences from cel-go worth knowing: `1.0 + 1` fails as an "unsupported binary operator"
//! rather than "no such overload"; `duration()` of a string accepts trailing garbage at run time
//! (`"1hfoo"` is one hour), which is why duration literals are validated at build time with
//! [`parse_duration_literal`], as Go parses them.

mod bind;
mod calls;
mod convert;
mod duration;
mod hierarchy;
mod lists;
mod network;
mod sets;

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
    hierarchy::register(env)?;
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
