//! Denial responses: short RFC 9457 problem details, never internals. The bodies come from
//! `authz-web`, so they are the same bytes in every adapter.
//!
//! ```
//! use axum::response::IntoResponse;
//! use axum_authz::Rejection;
//! let res = Rejection::Forbidden.into_response();
//! assert_eq!(res.status(), 403);
//! assert_eq!(res.headers()["content-type"], "application/problem+json");
//! ```

use authz_web::{problem_json, Denial, PROBLEM_CONTENT_TYPE};
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

    fn denial(self) -> Denial {
        match self {
            Rejection::Unauthenticated => Denial::Unauthenticated,
            Rejection::Forbidden => Denial::Forbidden,
            Rejection::NotFound => Denial::NotFound,
            Rejection::Internal => Denial::Internal,
        }
    }
}

impl From<Denial> for Rejection {
    fn from(d: Denial) -> Self {
        match d {
            Denial::Unauthenticated => Rejection::Unauthenticated,
            Denial::Forbidden => Rejection::Forbidden,
            Denial::NotFound => Rejection::NotFound,
            // `Denial` is non-exhaustive: anything new is refused as an internal error.
            _ => Rejection::Internal,
        }
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        with_body(self.status(), Body::from(self.denial().body()))
    }
}

/// A problem-details response for `status`, with an optional `detail`.
pub(crate) fn problem(status: StatusCode, detail: Option<&str>) -> Response {
    with_body(status, Body::from(problem_json(status.as_u16(), detail)))
}

fn with_body(status: StatusCode, body: Body) -> Response {
    let mut res = Response::new(body);
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
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
            assert_eq!(Rejection::from(r.denial()), r);
        }
    }
}
