//! The check a declared route runs before its extractors: the shared flow of `authz-web`
//! ([`authz_web::authorize`]) over an actix request, with panics turned into a 500.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::dev::Extensions;
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use authz_core::{Principal, Resource};
use authz_web::{authorize, Exchange, Site};
use pin_project_lite::pin_project;

use crate::authorize::Settings;
use crate::extract::{CurrentPrincipal, PlannedRows};
use crate::load::LoaderFn;
use crate::problem::Rejection;
use crate::requirement::Declaration;
use crate::BoxError;

/// One declared route being called: its declaration and the settings of the `Authorize`
/// that routed the request to it.
pub(crate) struct Ctx {
    pub(crate) settings: Rc<Settings>,
    pub(crate) declaration: Declaration,
    /// The resource of a kind-level check, built once per route.
    pub(crate) kind_resource: Option<Rc<Resource>>,
}

struct ActixExchange<'a> {
    req: &'a HttpRequest,
    settings: &'a Settings,
    loader: Option<LoaderFn>,
}

impl Exchange for ActixExchange<'_> {
    type Value = Box<dyn FnOnce(&mut Extensions)>;

    async fn principal(&mut self) -> Result<Option<Principal>, BoxError> {
        self.settings.resolver.resolve(self.req).await
    }

    async fn path_param(&mut self, name: &str) -> Option<String> {
        self.req.match_info().get(name).map(str::to_owned)
    }

    async fn load(&mut self, id: String) -> Result<Option<(Resource, Self::Value)>, BoxError> {
        let Some(load) = self.loader else {
            return Err("instance-level route without a loader".into());
        };
        Ok(load(self.req, id)
            .await?
            .map(|loaded| (loaded.resource, loaded.insert)))
    }

    fn request_id(&self) -> &str {
        self.req
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// Resolves, loads, decides and (list routes) plans; on success the principal, the loaded
/// value and the plan are in the request extensions for [`CurrentPrincipal`],
/// [`Authorized`](crate::Authorized) and [`Rows`](crate::Rows).
///
/// # Errors
/// The refusal to send instead of calling the handler.
pub(crate) async fn check(ctx: &Ctx, req: &HttpRequest) -> Result<(), HttpResponse> {
    let site = Site {
        engine: &ctx.settings.engine,
        requirement: ctx.declaration.requirement,
        kind_resource: ctx.kind_resource.as_deref(),
        method: req.method().as_str(),
        route: req.path(),
        log_level: ctx.settings.decision_log_level,
    };
    let mut ex = ActixExchange {
        req,
        settings: &ctx.settings,
        loader: ctx.declaration.loader,
    };
    let outcome = CatchUnwind {
        fut: authorize(&site, &mut ex),
    }
    .await;
    match outcome {
        Ok(Ok(granted)) => {
            let mut ext = req.extensions_mut();
            ext.insert(CurrentPrincipal(granted.principal));
            if let Some(insert) = granted.value {
                insert(&mut ext);
            }
            if let Some(rows) = granted.rows {
                ext.insert(PlannedRows(rows));
            }
            Ok(())
        }
        Ok(Err(denial)) => Err(Rejection::from(denial).response()),
        Err(()) => {
            tracing::error!(
                method = %req.method(),
                path = req.path(),
                "the principal resolver or the loader panicked; refusing"
            );
            Err(Rejection::Internal.response())
        }
    }
}

pin_project! {
    /// `fut`, with a panic while polling it turned into `Err(())`.
    struct CatchUnwind<F> {
        #[pin]
        fut: F,
    }
}

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, ()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let fut = self.project().fut;
        match catch_unwind(AssertUnwindSafe(|| fut.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Err(_) => Poll::Ready(Err(())),
        }
    }
}
