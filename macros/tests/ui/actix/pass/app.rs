//! Every registration style compiles, with every declaration form.
use actix_authz::{
    authorize, routes, Authorize, Authorized, AuthzRoutes, BoxError, CurrentPrincipal, Load, Rows,
};
use actix_web::{web, App, HttpRequest};
use authz_core::{Engine, EngineConfig, PolicySet, Principal, Resource};

struct Db;
struct Expense;

impl Load<Db> for Expense {
    async fn load(_: &Db, _: &str) -> Result<Option<Self>, BoxError> {
        Ok(Some(Expense))
    }
    fn to_resource(&self, id: &str) -> Resource {
        Resource::new("expense", id)
    }
}

#[authorize(resource = "expense", action = "list")]
async fn list(CurrentPrincipal(p): CurrentPrincipal) -> String {
    p.id().to_owned()
}

#[authorize(resource = "expense", action = "list", filter = "read")]
async fn search(CurrentPrincipal(p): CurrentPrincipal, rows: Rows) -> String {
    format!("{}: {}", p.id(), rows.output().filter_debug())
}

#[authorize(resource = "expense", action = "view", id = path("id"))]
async fn view(_db: web::Data<Db>, Authorized(_e): Authorized<Expense>, body: String) -> String {
    body
}

#[authorize(public)]
async fn health() -> &'static str {
    "ok"
}

mod handlers {
    use actix_authz::authorize;

    #[authorize(public)]
    pub async fn version() -> &'static str {
        "1"
    }
}

fn main() {
    let engine = Engine::new(
        PolicySet::from_sources::<&str, &str>([]).unwrap(),
        EngineConfig::default(),
    );
    let resolver = |_: &HttpRequest| async { Ok::<Option<Principal>, BoxError>(None) };
    let _app = App::new()
        .wrap(Authorize::new(engine, resolver))
        .app_data(web::Data::new(Db))
        .service(
            AuthzRoutes::new()
                .route("/expenses", routes!(get(list)))
                .route("/expenses/search", routes!(get(search), post(search)))
                .route("/expenses/{id}", routes!(get(view), put(view))),
        )
        .route("/health", routes!(get(health), head(health)).into())
        .service(web::scope("/v").route("/", routes!(get(handlers::version)).into()))
        .service(web::resource("/any").route(routes!(any(health)).into()))
        .configure(|cfg| {
            cfg.route("/cfg", routes!(get(health)).into());
        });
}
