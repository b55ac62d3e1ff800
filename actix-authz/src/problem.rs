//! Refusals as actix-web responses: short RFC 9457 problem details (the bytes of
//! `authz-web`, the same as in `axum-authz`), never internals.
//!
//! ```
//! use actix_web::ResponseError;
//! use actix_authz::Rejection;
//! let res = Rejection::Forbidden.error_response();
//! assert_eq!(res.status(), 403);
//! assert_eq!(res.headers().get("content-type").unwrap(), "application/problem+json");
//! ```

use std::fmt;

use actix_web::body::BoxBody;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use authz_web::{problem_json, Denial, PROBLEM_CONTENT_TYPE};

/// Why a request was refused before its handler ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// 401: the route is protected and no principal was found.
    Unauthenticated,
    /// 403: the policies denied the action.
    Forbidden,
    /// 404: no route matches the path, or the resource does not exist.
    NotFound,
    /// 500: the resolver, the loader or the engine failed (details are logged, not sent).
    Internal,
}

impl Rejection {
    fn denial(self) -> Denial {
        match self {
            Rejection::Unauthenticated => Denial::Unauthenticated,
            Rejection::Forbidden => Denial::Forbidden,
            Rejection::NotFound => Denial::NotFound,
            Rejection::Internal => Denial::Internal,
        }
    }

    /// The response.
    pub fn response(self) -> HttpResponse {
        let status = StatusCode::from_u16(self.denial().status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        with_body(status, BoxBody::new(self.denial().body()))
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

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(authz_web::reason(self.denial().status()))
    }
}

impl ResponseError for Rejection {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.denial().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        self.response()
    }
}

/// A refusal with any status, answered when a request reached no declared route (see
/// [`Authorize::undeclared_status`](crate::Authorize::undeclared_status)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Undeclared {
    status: StatusCode,
}

impl Undeclared {
    pub(crate) fn new(status: StatusCode) -> Self {
        Undeclared { status }
    }
}

impl fmt::Display for Undeclared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the request reached no declared route ({})", self.status)
    }
}

impl ResponseError for Undeclared {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        problem(self.status, None)
    }
}

/// A problem-details response for `status`, with an optional `detail`.
pub(crate) fn problem(status: StatusCode, detail: Option<&str>) -> HttpResponse {
    with_body(status, BoxBody::new(problem_json(status.as_u16(), detail)))
}

fn with_body(status: StatusCode, body: BoxBody) -> HttpResponse {
    let mut res = HttpResponse::with_body(status, body);
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
    fn statuses_and_round_trip() {
        for (r, code) in [
            (Rejection::Unauthenticated, 401),
            (Rejection::Forbidden, 403),
            (Rejection::NotFound, 404),
            (Rejection::Internal, 500),
        ] {
            assert_eq!(r.response().status().as_u16(), code);
            assert_eq!(r.status_code().as_u16(), code);
            assert_eq!(Rejection::from(r.denial()), r);
        }
        assert_eq!(
            Undeclared::new(StatusCode::FORBIDDEN)
                .error_response()
                .status(),
            403
        );
    }
}
