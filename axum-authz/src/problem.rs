//! Denial responses: short RFC 9457 problem details, never internals.
//!
//! ```
//! use axum::response::IntoResponse;
//! use axum_authz::Rejection;
//! let res = Rejection::Forbidden.into_response();
//! assert_eq!(res.status(), 403);
//! assert_eq!(res.headers()["content-type"], "application/problem+json");
//! ```

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};

/// Why a request was refused before its handler ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// 401: the route is protected and no principal was found.
    Unauthenticated,
    /// 403: the policies denied the action, or the route declared nothing.
    Forbidden,
    /// 404: no route matches the path, or the resource does not exist.
    NotFound,
    /// 500: the resolver, the loader or the engine failed (details are logged, not sent).
    Internal,
}

impl Rejection {
    /// The status code of the response.
    pub fn status(self) -> StatusCode {
        match self {
            Rejection::Unauthenticated => StatusCode::UNAUTHORIZED,
            Rejection::Forbidden => StatusCode::FORBIDDEN,
            Rejection::NotFound => StatusCode::NOT_FOUND,
            Rejection::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        problem(self.status(), None)
    }
}

/// A problem-details response for `status`, with an optional `detail`.
pub(crate) fn problem(status: StatusCode, detail: Option<&str>) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    let mut body = serde_json::json!({
        "type": "about:blank",
        "title": title,
        "status": status.as_u16(),
    });
    if let (Some(detail), Some(obj)) = (detail, body.as_object_mut()) {
        obj.insert("detail".into(), detail.into());
    }
    let mut res = Response::new(Body::from(body.to_string()));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_follow_the_status() {
        for (r, code) in [
            (Rejection::Unauthenticated, 401),
            (Rejection::Forbidden, 403),
            (Rejection::NotFound, 404),
            (Rejection::Internal, 500),
        ] {
            assert_eq!(r.into_response().status().as_u16(), code);
        }
    }
}
