//! Problem details (RFC 9457) for refusals: `type`, `title`, `status` and an optional
//! `detail`, never internals.
//!
//! ```
//! use authz_web::{problem_json, Denial};
//! assert_eq!(Denial::Forbidden.status(), 403);
//! assert_eq!(Denial::Forbidden.body(), r#"{"type":"about:blank","title":"Forbidden","status":403}"#);
//! assert_eq!(
//!     problem_json(409, Some("retry")),
//!     r#"{"type":"about:blank","title":"Conflict","status":409,"detail":"retry"}"#
//! );
//! ```

/// The media type of problem-details bodies.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// Why the check refused a request before its handler ran. Each adapter turns it into its
/// framework's response type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Denial {
    /// 401: the route is protected and no principal was found.
    Unauthenticated,
    /// 403: the policies denied the action, or the route declared nothing.
    Forbidden,
    /// 404: no route matches the path, or the resource does not exist.
    NotFound,
    /// 500: the resolver, the loader or the engine failed (details are logged, not sent).
    Internal,
}

impl Denial {
    /// The HTTP status code.
    pub fn status(self) -> u16 {
        match self {
            Denial::Unauthenticated => 401,
            Denial::Forbidden => 403,
            Denial::NotFound => 404,
            Denial::Internal => 500,
        }
    }

    /// The problem-details body, the same bytes as `problem_json(self.status(), None)`.
    pub fn body(self) -> &'static str {
        match self {
            Denial::Unauthenticated => {
                r#"{"type":"about:blank","title":"Unauthorized","status":401}"#
            }
            Denial::Forbidden => r#"{"type":"about:blank","title":"Forbidden","status":403}"#,
            Denial::NotFound => r#"{"type":"about:blank","title":"Not Found","status":404}"#,
            Denial::Internal => {
                r#"{"type":"about:blank","title":"Internal Server Error","status":500}"#
            }
        }
    }
}

/// The reason phrase of `status` (as in RFC 9110), `"Error"` for codes without one.
pub fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        418 => "I'm a teapot",
        422 => "Unprocessable Entity",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Error",
    }
}

/// The problem-details body for `status`, with an optional `detail` (a short text for the
/// client: never an error message from inside).
pub fn problem_json(status: u16, detail: Option<&str>) -> String {
    let mut body = serde_json::Map::new();
    body.insert("type".into(), "about:blank".into());
    body.insert("title".into(), reason(status).into());
    body.insert("status".into(), status.into());
    if let Some(detail) = detail {
        body.insert("detail".into(), detail.into());
    }
    serde_json::Value::Object(body).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_bodies_are_the_built_ones() {
        for d in [
            Denial::Unauthenticated,
            Denial::Forbidden,
            Denial::NotFound,
            Denial::Internal,
        ] {
            assert_eq!(d.body(), problem_json(d.status(), None), "{d:?}");
        }
    }

    #[test]
    fn detail_is_escaped() {
        let body = problem_json(422, Some("say \"hi\""));
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        assert_eq!(v["detail"], "say \"hi\"");
        assert_eq!(v["title"], "Unprocessable Entity");
        assert_eq!(reason(599), "Error");
    }
}
