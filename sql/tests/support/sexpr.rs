//! Reads the `filterDebug` S-expression form back into a filter operand, so that tests can
//! write filters as `(eq request.resource.attr.owner "alice")`.

#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use authz_core::plan::{Filter, Operand};

/// Parses one operand; panics on malformed input (test data).
pub fn parse(src: &str) -> Operand {
    let mut p = Parser { s: src, pos: 0 };
    let op = p.operand();
    p.skip_ws();
    assert_eq!(p.pos, src.len(), "trailing input in {src:?}");
    op
}

/// A conditional filter from an S-expression.
pub fn filter(src: &str) -> Filter {
    Filter::Conditional(parse(src))
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    fn skip_ws(&mut self) {
        let trimmed = self.rest().trim_start();
        self.pos = self.s.len() - trimmed.len();
    }

    fn operand(&mut self) -> Operand {
        self.skip_ws();
        let rest = self.rest();
        if let Some(inner) = rest.strip_prefix('(') {
            self.pos += 1;
            let name_len = inner
                .find(|c: char| c.is_whitespace() || c == ')')
                .unwrap_or(inner.len());
            let operator = inner[..name_len].to_owned();
            self.pos += name_len;
            let mut operands = Vec::new();
            loop {
                self.skip_ws();
                if self.rest().starts_with(')') {
                    self.pos += 1;
                    return Operand::expr(operator, operands);
                }
                operands.push(self.operand());
            }
        }
        let first = rest.chars().next().expect("operand");
        let is_json = first == '"'
            || first == '['
            || first == '{'
            || first == '-'
            || first.is_ascii_digit()
            || ["true", "false", "null"].iter().any(|k| {
                rest.starts_with(k)
                    && !rest[k.len()..]
                        .starts_with(|c: char| c.is_alphanumeric() || c == '.' || c == '_')
            });
        if is_json && matches!(first, '"' | '[' | '{') {
            let mut stream =
                serde_json::Deserializer::from_str(rest).into_iter::<serde_json::Value>();
            let v = stream.next().expect("a JSON value").expect("valid JSON");
            self.pos += stream.byte_offset();
            return Operand::Value(v);
        }
        let len = rest
            .find(|c: char| c.is_whitespace() || c == ')' || c == '(')
            .unwrap_or(rest.len());
        if is_json {
            self.pos += len;
            return Operand::Value(serde_json::from_str(&rest[..len]).expect("valid JSON scalar"));
        }
        self.pos += len;
        Operand::var(&rest[..len])
    }
}

#[test]
fn round_trips_filter_debug() {
    for src in [
        r#"(eq request.resource.attr.owner "alice")"#,
        r#"(and (not (in request.resource.attr.state ["archived","legal_hold"])) (lt 5 request.resource.attr.n))"#,
        r#"(lt (timestamp request.resource.attr.t) (timestamp "2024-01-01T00:00:00Z"))"#,
        r#"(eq request.resource.attr.x null)"#,
        r#"(or true (eq request.resource.attr.f -1.5))"#,
    ] {
        assert_eq!(parse(src).to_string(), src);
    }
}
