//! The filter a plan carries: an expression tree over resource attributes
//! (`query-plan.md` §2, §7, §8).
//!
//! ```
//! use authz_core::plan::{Filter, Operand};
//! let f = Filter::Conditional(Operand::expr(
//!     "eq",
//!     [Operand::var("request.resource.attr.owner"), Operand::value("alice")],
//! ));
//! assert_eq!(f.to_string(), r#"(eq request.resource.attr.owner "alice")"#);
//! assert_eq!(f.kind(), "KIND_CONDITIONAL");
//! ```
//!
//! # Meaning
//!
//! A conditional filter is evaluated against one resource like a CEL expression: a
//! `variable` reads the resource attribute it names (`request.resource.attr.<path>`,
//! `request.resource.id`), a missing attribute makes the enclosing operator an *error*,
//! and `and`/`or`/`not` combine `true`/`false`/error as CEL's `&&`/`||`/`!` do (an error
//! operand is absorbed by a `false` in `and` and by a `true` in `or`). The resource passes
//! exactly when the filter evaluates to `true`: an error or `false` filters it out. This is
//! SQL's three-valued logic with error as `NULL`, which is how `authz-sql` translates it.
//!
//! The planner guarantees: for every resource of the kind, the filter is `true` exactly
//! when `check` allows the action (see [`crate::Engine::plan`]).
//!
//! Operators beyond the spec's table: `has` (`has(R.attr.x)` on an attribute that was not
//! supplied: true when the attribute is present, even if `null`).

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// What a plan allows.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Every resource of the kind (`KIND_ALWAYS_ALLOWED`).
    AlwaysAllowed,
    /// No resource (`KIND_ALWAYS_DENIED`).
    AlwaysDenied,
    /// The resources for which the condition evaluates to `true` (`KIND_CONDITIONAL`).
    Conditional(Operand),
}

impl Filter {
    /// The spec's name of the filter kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Filter::AlwaysAllowed => "KIND_ALWAYS_ALLOWED",
            Filter::AlwaysDenied => "KIND_ALWAYS_DENIED",
            Filter::Conditional(_) => "KIND_CONDITIONAL",
        }
    }

    /// The condition of a conditional filter.
    pub fn condition(&self) -> Option<&Operand> {
        match self {
            Filter::Conditional(c) => Some(c),
            _ => None,
        }
    }

    /// The JSON form of `query-plan.md` §2: `{"kind": ..., "condition": ...}`.
    pub fn to_json(&self) -> Json {
        let mut m = serde_json::Map::new();
        m.insert("kind".into(), Json::String(self.kind().into()));
        if let Filter::Conditional(c) = self {
            m.insert(
                "condition".into(),
                serde_json::to_value(c).unwrap_or(Json::Null),
            );
        }
        Json::Object(m)
    }
}

/// `filterDebug` (§8): `(true)`, `(false)` or the condition's S-expression.
impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::AlwaysAllowed => f.write_str("(true)"),
            Filter::AlwaysDenied => f.write_str("(false)"),
            Filter::Conditional(c) => c.fmt(f),
        }
    }
}

/// One node of a filter: a value, a variable or an operator applied to operands.
///
/// Serialises as the spec's `{"value": ...}`, `{"variable": "..."}` or
/// `{"expression": {"operator": "...", "operands": [...]}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Operand {
    /// A constant (JSON). Timestamps and durations are `timestamp`/`duration` expressions
    /// over a string value instead.
    Value(Json),
    /// A resource attribute (`request.resource.attr.a.b`, `request.resource.id`) or a
    /// comprehension variable.
    Variable(String),
    /// An operator with operands.
    Expression(Expression),
}

/// An operator applied to operands, in source order (receiver first for method calls).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Expression {
    /// `and`, `or`, `not`, `eq`, `ne`, `lt`, `le`, `gt`, `ge`, `in`, `add`, `sub`, `mult`,
    /// `div`, `mod`, `index`, `get-field`, `list`, `struct`, `set-field`, `if`, `has`,
    /// `lambda`, a comprehension name, or a CEL function name.
    pub operator: String,
    /// The operands.
    pub operands: Vec<Operand>,
}

impl Operand {
    /// A constant.
    pub fn value(v: impl Into<Json>) -> Operand {
        Operand::Value(v.into())
    }

    /// A variable.
    pub fn var(name: impl Into<String>) -> Operand {
        Operand::Variable(name.into())
    }

    /// `operator(operands...)`.
    pub fn expr(
        operator: impl Into<String>,
        operands: impl IntoIterator<Item = Operand>,
    ) -> Operand {
        Operand::Expression(Expression {
            operator: operator.into(),
            operands: operands.into_iter().collect(),
        })
    }

    /// The expression, if this is one.
    pub fn as_expression(&self) -> Option<&Expression> {
        match self {
            Operand::Expression(e) => Some(e),
            _ => None,
        }
    }

    /// The constant, if this is one.
    pub fn as_value(&self) -> Option<&Json> {
        match self {
            Operand::Value(v) => Some(v),
            _ => None,
        }
    }

    /// The variable name, if this is one.
    pub fn as_variable(&self) -> Option<&str> {
        match self {
            Operand::Variable(v) => Some(v),
            _ => None,
        }
    }
}

/// The §8 S-expression: `(operator operand ...)`, bare variable names, compact JSON values.
impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Value(v) => write!(f, "{v}"),
            Operand::Variable(v) => f.write_str(v),
            Operand::Expression(e) => {
                write!(f, "({}", e.operator)?;
                for o in &e.operands {
                    write!(f, " {o}")?;
                }
                f.write_str(")")
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "test failures")]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_the_spec_shape() {
        let f = Filter::Conditional(Operand::expr(
            "and",
            [
                Operand::expr(
                    "not",
                    [Operand::expr(
                        "in",
                        [
                            Operand::var("request.resource.attr.state"),
                            Operand::value(serde_json::json!(["archived", "legal_hold"])),
                        ],
                    )],
                ),
                Operand::expr(
                    "eq",
                    [
                        Operand::var("request.resource.attr.author_id"),
                        Operand::value("ines"),
                    ],
                ),
            ],
        ));
        assert_eq!(
            f.to_string(),
            r#"(and (not (in request.resource.attr.state ["archived","legal_hold"])) (eq request.resource.attr.author_id "ines"))"#
        );
        let json = f.to_json();
        assert_eq!(json["kind"], "KIND_CONDITIONAL");
        assert_eq!(
            json["condition"]["expression"]["operands"][1]["expression"]["operands"][0],
            serde_json::json!({"variable": "request.resource.attr.author_id"})
        );
        let back: Operand = serde_json::from_value(json["condition"].clone()).unwrap();
        assert_eq!(Some(&back), f.condition());
        assert_eq!(Filter::AlwaysAllowed.to_string(), "(true)");
        assert_eq!(
            Filter::AlwaysDenied.to_json(),
            serde_json::json!({"kind": "KIND_ALWAYS_DENIED"})
        );
    }
}
