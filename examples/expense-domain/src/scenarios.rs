//! The HTTP scenarios of the expense service, `examples/scenarios/expense.yaml`, and their
//! runner: each example's test hands [`Table::run`] a function that serves one [`Request`]
//! with a fresh app over the given state, and gets back every failed expectation.
//!
//! ```
//! use expense_domain::scenarios::Table;
//! let table = Table::load().unwrap();
//! assert!(table.len() > 150);
//! assert!(table.routes().iter().any(|(m, p, r)| (m.as_str(), p.as_str(), r.as_str()) == ("GET", "/health", "public")));
//! ```

mod yaml;

use std::future::Future;

use serde_json::{Map, Value};

use crate::db::{Db, Expense};
use crate::{demo, engine, AppState};

/// The scenario table, compiled into this crate.
pub const SOURCE: &str = include_str!("../../scenarios/expense.yaml");

/// One HTTP request of a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path (and query), as sent.
    pub path: String,
    /// Headers, lowercase names: the demo principal, the content type.
    pub headers: Vec<(String, String)>,
    /// The body (empty for none).
    pub body: Vec<u8>,
}

/// What a service answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Headers, lowercase names.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone)]
enum Route {
    List,
    Create,
    Read(String),
    Update(String),
    Approve(String),
    Delete(String),
}

#[derive(Debug, Clone)]
enum Shape {
    Any,
    Problem(u16),
    Json(Map<String, Value>),
    Ids(Vec<String>),
    Empty,
}

#[derive(Debug, Clone)]
enum Check {
    /// A scenario of the `scenarios:` list.
    Explicit {
        status: u16,
        headers: Vec<(String, String)>,
        shape: Shape,
        detail: Option<String>,
        unchanged: bool,
    },
    /// A cell of the matrix: its status and the effect of its route.
    Cell {
        route: Route,
        user: Option<String>,
        status: u16,
        visible: Vec<String>,
    },
}

#[derive(Debug, Clone)]
struct Case {
    name: String,
    request: Request,
    check: Check,
}

/// The parsed table.
#[derive(Debug, Clone)]
pub struct Table {
    routes: Vec<(String, String, String)>,
    cases: Vec<Case>,
}

fn field<'a>(v: &'a Value, key: &str, at: &str) -> Result<&'a Value, String> {
    v.get(key).ok_or_else(|| format!("{at}: missing `{key}`"))
}

fn string(v: &Value, at: &str) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(format!("{at}: expected a string, got {v}")),
    }
}

fn status(v: &Value, at: &str) -> Result<u16, String> {
    v.as_u64()
        .and_then(|n| u16::try_from(n).ok())
        .ok_or_else(|| format!("{at}: expected a status code, got {v}"))
}

fn strings(v: &Value, at: &str) -> Result<Vec<String>, String> {
    v.as_array()
        .ok_or_else(|| format!("{at}: expected a list"))?
        .iter()
        .map(|s| string(s, at))
        .collect()
}

/// A request: `{method, path, user?, body?, headers?}`; a body without a `content-type`
/// header is sent as `application/json`.
fn request(v: &Value, at: &str) -> Result<Request, String> {
    let mut headers = Vec::new();
    if let Some(user) = v.get("user").filter(|u| !u.is_null()) {
        headers.push((demo::HEADER.to_owned(), string(user, at)?));
    }
    if let Some(extra) = v.get("headers") {
        let extra = extra
            .as_object()
            .ok_or_else(|| format!("{at}: `headers` must be a mapping"))?;
        for (k, val) in extra {
            headers.push((k.to_ascii_lowercase(), string(val, at)?));
        }
    }
    let body = match v.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(b) => string(b, at)?.into_bytes(),
    };
    if !body.is_empty() && !headers.iter().any(|(k, _)| k == "content-type") {
        headers.push(("content-type".to_owned(), "application/json".to_owned()));
    }
    Ok(Request {
        method: string(field(v, "method", at)?, at)?,
        path: string(field(v, "path", at)?, at)?,
        headers,
        body,
    })
}

impl Table {
    /// Parses [`SOURCE`].
    ///
    /// # Errors
    /// A message naming what is malformed.
    pub fn load() -> Result<Table, String> {
        Table::parse(SOURCE)
    }

    /// Parses a table in the format of [`SOURCE`].
    ///
    /// # Errors
    /// A message naming what is malformed.
    pub fn parse(text: &str) -> Result<Table, String> {
        let doc = yaml::parse(text)?;
        let mut routes = Vec::new();
        for r in field(&doc, "routes", "table")?
            .as_array()
            .ok_or("`routes` must be a list")?
        {
            let r = strings(r, "routes")?;
            let [m, p, req] = <[String; 3]>::try_from(r)
                .map_err(|r| format!("routes: expected [method, path, requirement], got {r:?}"))?;
            routes.push((m, p, req));
        }
        let mut cases = Vec::new();
        Table::matrix(field(&doc, "matrix", "table")?, &mut cases)?;
        for (i, s) in field(&doc, "scenarios", "table")?
            .as_array()
            .ok_or("`scenarios` must be a list")?
            .iter()
            .enumerate()
        {
            let at = format!("scenario {}", i + 1);
            let name = string(field(s, "name", &at)?, &at)?;
            let at = format!("scenario `{name}`");
            let shape = if let Some(p) = s.get("problem") {
                Shape::Problem(status(p, &at)?)
            } else if let Some(j) = s.get("json") {
                Shape::Json(
                    j.as_object()
                        .cloned()
                        .ok_or(format!("{at}: `json` must be a mapping"))?,
                )
            } else if let Some(ids) = s.get("ids") {
                Shape::Ids(strings(ids, &at)?)
            } else if s.get("empty") == Some(&Value::Bool(true)) {
                Shape::Empty
            } else {
                Shape::Any
            };
            let headers = match s.get("headers") {
                None => Vec::new(),
                Some(h) => h
                    .as_object()
                    .ok_or(format!("{at}: `headers` must be a mapping"))?
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), string(v, &at)?)))
                    .collect::<Result<_, String>>()?,
            };
            let unchanged = match s.get("data") {
                None => false,
                Some(Value::String(d)) if d == "unchanged" => true,
                Some(d) => return Err(format!("{at}: unknown `data: {d}`")),
            };
            cases.push(Case {
                request: request(field(s, "request", &at)?, &at)?,
                check: Check::Explicit {
                    status: status(field(s, "status", &at)?, &at)?,
                    headers,
                    shape,
                    detail: s.get("detail").map(|d| string(d, &at)).transpose()?,
                    unchanged,
                },
                name,
            });
        }
        Ok(Table { routes, cases })
    }

    fn matrix(m: &Value, cases: &mut Vec<Case>) -> Result<(), String> {
        let requests = field(m, "requests", "matrix")?;
        let ids = strings(field(m, "ids", "matrix")?, "matrix ids")?;
        for row in field(m, "rows", "matrix")?
            .as_array()
            .ok_or("matrix rows must be a list")?
        {
            let users = field(row, "users", "matrix row")?
                .as_array()
                .ok_or("matrix row: `users` must be a list")?;
            let visible = strings(field(row, "visible", "matrix row")?, "visible")?;
            for user in users {
                let user = match user {
                    Value::Null => None,
                    u => Some(string(u, "matrix users")?),
                };
                let who = user.as_deref().unwrap_or("nobody").to_owned();
                let mut cells: Vec<(&str, Route, u16)> = vec![
                    (
                        "list",
                        Route::List,
                        status(field(row, "list", &who)?, &who)?,
                    ),
                    (
                        "create",
                        Route::Create,
                        status(field(row, "create", &who)?, &who)?,
                    ),
                ];
                for name in ["read", "update", "approve", "delete"] {
                    let statuses = field(row, name, &who)?
                        .as_array()
                        .ok_or(format!("{who}: `{name}` must be a list"))?;
                    if statuses.len() != ids.len() {
                        return Err(format!("{who}: `{name}` needs one status per id"));
                    }
                    for (id, s) in ids.iter().zip(statuses) {
                        let route = match name {
                            "read" => Route::Read(id.clone()),
                            "update" => Route::Update(id.clone()),
                            "approve" => Route::Approve(id.clone()),
                            _ => Route::Delete(id.clone()),
                        };
                        cells.push((name, route, status(s, &who)?));
                    }
                }
                for (name, route, want) in cells {
                    let mut req = request(field(requests, name, "matrix requests")?, name)?;
                    if let Route::Read(id)
                    | Route::Update(id)
                    | Route::Approve(id)
                    | Route::Delete(id) = &route
                    {
                        req.path = req.path.replace("{id}", id);
                    }
                    if let Some(u) = &user {
                        req.headers.push((demo::HEADER.to_owned(), u.clone()));
                    }
                    cases.push(Case {
                        name: format!("matrix: {who:?} {} {}", req.method, req.path),
                        request: req,
                        check: Check::Cell {
                            route,
                            user: user.clone(),
                            status: want,
                            visible: visible.clone(),
                        },
                    });
                }
            }
        }
        Ok(())
    }

    /// The route table every service must list: `(method, path, requirement)`.
    pub fn routes(&self) -> &[(String, String, String)] {
        &self.routes
    }

    /// The number of scenarios (matrix cells included).
    pub fn len(&self) -> usize {
        self.cases.len()
    }

    /// Whether there is no scenario.
    pub fn is_empty(&self) -> bool {
        self.cases.is_empty()
    }

    /// Runs every scenario: a fresh, seeded database each, `send` serving the request with an
    /// app over that state. Returns how many ran, or every failure (one line each).
    ///
    /// # Errors
    /// The failures.
    pub async fn run<F, Fut>(&self, mut send: F) -> Result<usize, Vec<String>>
    where
        F: FnMut(AppState, Request) -> Fut,
        Fut: Future<Output = Response>,
    {
        let engine = engine().map_err(|e| vec![format!("policies: {e}")])?;
        let mut failures = Vec::new();
        for case in &self.cases {
            let outcome = async {
                let db = Db::in_memory().map_err(|e| e.to_string())?;
                db.seed().map_err(|e| e.to_string())?;
                let before = db.list().map_err(|e| e.to_string())?;
                let state = AppState {
                    db: db.clone(),
                    engine: engine.clone(),
                };
                let res = send(state, case.request.clone()).await;
                let after = db.list().map_err(|e| e.to_string())?;
                verify(&case.check, &res, &before, &after)
            }
            .await;
            if let Err(e) = outcome {
                failures.push(format!("{}: {e}", case.name));
            }
        }
        if failures.is_empty() {
            Ok(self.cases.len())
        } else {
            Err(failures)
        }
    }
}

fn json_body(res: &Response) -> Result<Value, String> {
    match res.header("content-type") {
        Some(ct) if ct.starts_with("application/json") => {}
        other => return Err(format!("content-type {other:?}, want application/json")),
    }
    serde_json::from_slice(&res.body).map_err(|e| format!("body is not JSON: {e}"))
}

fn problem(res: &Response, want: u16, detail: Option<&str>) -> Result<(), String> {
    if res.header("content-type") != Some("application/problem+json") {
        return Err(format!(
            "content-type {:?}, want application/problem+json",
            res.header("content-type")
        ));
    }
    let body: Value =
        serde_json::from_slice(&res.body).map_err(|e| format!("problem body is not JSON: {e}"))?;
    let ok = body["type"] == "about:blank"
        && body["title"] == authz_web::reason(want)
        && body["status"] == want
        && detail.is_none_or(|d| body["detail"] == d);
    if ok {
        Ok(())
    } else {
        Err(format!(
            "problem body {body}, want status {want} detail {detail:?}"
        ))
    }
}

fn verify(
    check: &Check,
    res: &Response,
    before: &[Expense],
    after: &[Expense],
) -> Result<(), String> {
    let body = || String::from_utf8_lossy(&res.body).into_owned();
    match check {
        Check::Explicit {
            status,
            headers,
            shape,
            detail,
            unchanged,
        } => {
            if res.status != *status {
                return Err(format!(
                    "status {}, want {status}; body {}",
                    res.status,
                    body()
                ));
            }
            for (k, v) in headers {
                if res.header(k) != Some(v.as_str()) {
                    return Err(format!("header {k}: {:?}, want {v:?}", res.header(k)));
                }
            }
            match shape {
                Shape::Any => {}
                Shape::Problem(p) => problem(res, *p, detail.as_deref())?,
                Shape::Empty => {
                    if !res.body.is_empty() {
                        return Err(format!("body {:?}, want none", body()));
                    }
                }
                Shape::Json(want) => {
                    let got = json_body(res)?;
                    for (k, v) in want {
                        if got.get(k) != Some(v) {
                            return Err(format!("field {k}: {:?}, want {v}", got.get(k)));
                        }
                    }
                }
                Shape::Ids(want) => {
                    let got = ids(&json_body(res)?)?;
                    if &got != want {
                        return Err(format!("ids {got:?}, want {want:?}"));
                    }
                }
            }
            if *unchanged && after != before {
                return Err(format!("the data changed: {after:?}"));
            }
            Ok(())
        }
        Check::Cell {
            route,
            user,
            status,
            visible,
        } => {
            if res.status != *status {
                return Err(format!(
                    "status {}, want {status}; body {}",
                    res.status,
                    body()
                ));
            }
            if !(200..300).contains(status) {
                // Refused: a problem, and the handler never ran, so nothing changed.
                problem(res, *status, None)?;
                if after != before {
                    return Err(format!("refused, yet the data changed: {after:?}"));
                }
                return Ok(());
            }
            let find = |id: &str| after.iter().find(|e| e.id == id);
            let unchanged = || {
                if after == before {
                    Ok(())
                } else {
                    Err(format!("the data changed: {after:?}"))
                }
            };
            match route {
                Route::List => {
                    let got = ids(&json_body(res)?)?;
                    if &got != visible {
                        return Err(format!("listed {got:?}, want {visible:?}"));
                    }
                    unchanged()
                }
                Route::Create => {
                    let got = json_body(res)?;
                    let id = got["id"].as_str().unwrap_or_default();
                    let Some(e) = find(id) else {
                        return Err(format!("created {id:?} is not stored"));
                    };
                    let who = user.as_deref().unwrap_or_default();
                    if e.owner != who
                        || e.status != "draft"
                        || e.amount != 700
                        || after.len() != before.len() + 1
                        || serde_json::to_value(e).ok().as_ref() != Some(&got)
                    {
                        return Err(format!("created {e:?}, answered {got}"));
                    }
                    Ok(())
                }
                Route::Read(id) => {
                    let got = json_body(res)?;
                    let stored = find(id).and_then(|e| serde_json::to_value(e).ok());
                    if stored.as_ref() != Some(&got) {
                        return Err(format!("read {got}, stored {stored:?}"));
                    }
                    unchanged()
                }
                Route::Update(id) => {
                    let got = json_body(res)?;
                    match find(id) {
                        Some(e)
                            if e.description == "changed" && got["description"] == "changed" =>
                        {
                            Ok(())
                        }
                        e => Err(format!("not updated: {e:?}, answered {got}")),
                    }
                }
                Route::Approve(id) => {
                    let got = json_body(res)?;
                    match find(id) {
                        Some(e) if e.status == "approved" && got["status"] == "approved" => Ok(()),
                        e => Err(format!("not approved: {e:?}, answered {got}")),
                    }
                }
                Route::Delete(id) => {
                    if find(id).is_some() || after.len() + 1 != before.len() || !res.body.is_empty()
                    {
                        return Err(format!(
                            "still there after the delete, or a body: {}",
                            body()
                        ));
                    }
                    Ok(())
                }
            }
        }
    }
}

fn ids(list: &Value) -> Result<Vec<String>, String> {
    list.as_array()
        .ok_or_else(|| format!("expected a list of reports, got {list}"))?
        .iter()
        .map(|e| {
            e["id"]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("a report without an id: {e}"))
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_with_every_matrix_cell() {
        let t = Table::load().unwrap();
        // 8 users × (list + create + 4 routes × 5 ids) cells, plus the scenarios.
        let cells = t
            .cases
            .iter()
            .filter(|c| matches!(c.check, Check::Cell { .. }))
            .count();
        assert_eq!(cells, 8 * 22);
        assert!(t.len() > cells);
        assert_eq!(t.routes().len(), 7);
    }

    #[test]
    fn a_wrong_answer_is_reported() {
        let t = Table::parse(
            "routes: []\nmatrix: {requests: {}, ids: [], rows: []}\nscenarios:\n  - name: h\n    request: {method: GET, path: /health}\n    status: 200\n    json: {status: ok}\n",
        )
        .unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let answer = |status: u16, body: &str| Response {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        };
        let ok = answer(200, r#"{"status":"ok"}"#);
        assert_eq!(
            rt.block_on(t.run(|_, _| std::future::ready(ok.clone()))),
            Ok(1)
        );
        for bad in [
            answer(201, r#"{"status":"ok"}"#),
            answer(200, r#"{"status":"down"}"#),
        ] {
            let failures = rt
                .block_on(t.run(|_, _| std::future::ready(bad.clone())))
                .unwrap_err();
            assert_eq!(failures.len(), 1, "{failures:?}");
        }
    }
}
