//! `GET /expenses` filters in SQL: for every demo principal (and a few more), the rows
//! `Db::list_filtered` returns for the `read` plan are exactly those a `read` check per row
//! allows — including reports whose owner has no region (NULL column, absent attribute).
#![allow(clippy::unwrap_used, reason = "test failures")]

use authz_core::plan::PlanInput;
use authz_core::{AuxData, Principal, Resource};
use expense_domain::{demo, engine, Db};
use serde_json::json;

#[test]
fn sql_list_is_exactly_what_read_checks_allow() {
    let engine = engine().unwrap();
    let db = Db::in_memory().unwrap();
    db.seed().unwrap();
    // Reports of owners without a region, and of other regions.
    db.insert("ada", None, 100, "no region").unwrap();
    db.insert("zoe", Some("apac"), 200, "elsewhere").unwrap();
    db.insert("mia", None, 300, "manager without region")
        .unwrap();

    let mut principals: Vec<Principal> = demo::USERS.iter().map(|u| u.principal()).collect();
    principals.push(Principal::new("zoe", ["user", "manager"]).with_attr("region", json!("apac")));
    principals.push(Principal::new("nemo", ["manager"])); // no region attribute
    principals.push(Principal::new("guest", ["guest"]));

    let all = db.list().unwrap();
    assert_eq!(all.len(), 7);
    let mut compared = 0;
    for p in principals {
        let plan = engine
            .plan(&PlanInput::new(
                p.clone(),
                Resource::new("expense", ""),
                ["read"],
            ))
            .unwrap();
        let listed: Vec<String> = db
            .list_filtered(&plan.filter)
            .unwrap()
            .into_iter()
            .map(|e| e.id)
            .collect();
        let resources: Vec<Resource> = all.iter().map(|e| e.to_resource()).collect();
        let read = ["read".to_string()];
        let allowed: Vec<String> = engine
            .check_resources(
                &p,
                resources.iter().map(|r| (r, &read[..])),
                &AuxData::default(),
            )
            .into_iter()
            .zip(&all)
            .filter(|(d, _)| d.is_allowed("read"))
            .map(|(_, e)| e.id.clone())
            .collect();
        assert_eq!(listed, allowed, "{} (plan {})", p.id(), plan.filter_debug());
        compared += 1;
    }
    assert_eq!(compared, 8);
}
