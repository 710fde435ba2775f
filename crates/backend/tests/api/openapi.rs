//! The served OpenAPI document describes every route, and every route it describes exists.

use cruddur_contract::account::{
    BIO_MAX_CHARS, DISPLAY_NAME_MAX_CHARS, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS,
};
use cruddur_contract::activity::{CRUD_MAX_CHARS, REPLY_MAX_CHARS};
use cruddur_contract::routes;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{ok_json, spawn_app};

/// The week-1 routes of DESIGN.md, which must stay documented.
const WEEK_1: [(&str, &str); 11] = [
    ("get", "/api/activities/home"),
    ("get", "/api/activities/notifications"),
    ("get", "/api/activities/@{handle}"),
    ("get", "/api/activities/search"),
    ("post", "/api/activities"),
    ("get", "/api/activities/{uuid}"),
    ("post", "/api/activities/{uuid}/reply"),
    ("get", "/api/message_groups"),
    ("get", "/api/messages/@{handle}"),
    ("post", "/api/messages"),
    ("get", "/api/health-check"),
];

/// The schema a contract type name stands for in the document: `()` for none, `Vec<T>` for an
/// array of `T`, any other name for its component.
fn schema_of(type_name: &str) -> Value {
    if type_name == "()" {
        return Value::Null;
    }
    let named = |name: &str| serde_json::json!({ "$ref": format!("#/components/schemas/{name}") });
    match type_name
        .strip_prefix("Vec<")
        .and_then(|rest| rest.strip_suffix('>'))
    {
        Some(item) => serde_json::json!({ "type": "array", "items": named(item) }),
        None => named(type_name),
    }
}

/// Every endpoint of the contract's table is documented with the request body and the answer
/// it declares, so what clients send and read is what the server says it takes and gives.
#[tokio::test]
async fn each_operation_takes_and_answers_the_types_of_its_endpoint() {
    let app = spawn_app().await;
    let document: Value = ok_json(app.get("/api/openapi.json").send().await.unwrap()).await;
    for route in routes::ALL {
        let operation = &document["paths"][route.path][route.method.as_str().to_lowercase()];
        let body = &operation["requestBody"]["content"]["application/json"]["schema"];
        assert_eq!(body, &schema_of(route.body), "{route:?}: request body");
        let success = ["200", "201", "204"]
            .iter()
            .find_map(|status| operation["responses"].get(*status))
            .unwrap_or_else(|| panic!("{route:?}: no success answer"));
        let answer = &success["content"]["application/json"]["schema"];
        assert_eq!(answer, &schema_of(route.answer), "{route:?}: answer");
    }
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_covers_every_route() {
    let app = spawn_app().await;
    let document: Value = ok_json(app.get("/api/openapi.json").send().await.unwrap()).await;
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().unwrap();

    let mut operations = Vec::new();
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                operations.push((method.clone(), path.clone()));
            }
        }
    }
    for (method, path) in WEEK_1 {
        assert!(
            operations.iter().any(|(m, p)| m == method && p == path),
            "{method} {path} is not documented"
        );
    }
    // The document lists exactly the contract's route table, which clients build on.
    let mut documented: Vec<(String, String)> = operations.clone();
    let mut table: Vec<(String, String)> = routes::ALL
        .iter()
        .map(|route| (route.method.as_str().to_lowercase(), route.path.to_owned()))
        .collect();
    documented.sort();
    table.sort();
    assert_eq!(documented, table);

    // Every documented operation is served: with made-up parameters it may be refused, but
    // never as an unknown route or method.
    for (method, path) in &operations {
        let concrete = path
            .replace("{handle}", "nobody")
            .replace("{uuid}", "00000000-0000-4000-8000-000000000000");
        let method: Method = method.to_uppercase().parse().unwrap();
        let response = app
            .client
            .request(method.clone(), app.url(&concrete))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert_ne!(
            body["error"], "route_not_found",
            "{method} {path} is documented but not served"
        );
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert!(
            !status.is_server_error(),
            "{method} {path} answered {status}"
        );
    }

    // Each operation documents its responses, and the error schemas are defined.
    for (method, path) in &operations {
        let responses = &paths[path][method]["responses"];
        assert!(
            responses.as_object().is_some_and(|r| !r.is_empty()),
            "{method} {path}"
        );
    }
    let schemas = document["components"]["schemas"].as_object().unwrap();
    for schema in [
        "Activity",
        "Reply",
        "ErrorBody",
        "ErrorCode",
        "MessageGroup",
        "Message",
        "Notification",
        "Profile",
    ] {
        assert!(schemas.contains_key(schema), "schema {schema} missing");
    }
}

#[tokio::test]
async fn shared_error_answers_and_input_limits_are_documented() {
    let app = spawn_app().await;
    let document: Value = ok_json(app.get("/api/openapi.json").send().await.unwrap()).await;

    // Answers that come from shared extractors and layers rather than the handler.
    let post_crud = &document["paths"]["/api/activities"]["post"]["responses"];
    for status in ["400", "401", "413", "415", "422", "500", "503"] {
        assert!(
            post_crud.get(status).is_some(),
            "POST /api/activities lacks {status}"
        );
    }
    let health = &document["paths"]["/api/health-check"]["get"]["responses"];
    assert!(health.get("503").is_none() && health.get("400").is_none());

    // The schema's limits are the validator's.
    let schemas = &document["components"]["schemas"];
    let limits = [
        ("CreateActivity", "message", CRUD_MAX_CHARS),
        ("CreateReply", "message", REPLY_MAX_CHARS),
        ("CreateMessage", "message", REPLY_MAX_CHARS),
        ("SignUp", "display_name", DISPLAY_NAME_MAX_CHARS),
        ("SignUp", "password", PASSWORD_MAX_CHARS),
        ("UpdateProfile", "bio", BIO_MAX_CHARS),
    ];
    for (schema, field, max) in limits {
        assert_eq!(
            schemas[schema]["properties"][field]["maxLength"], max,
            "{schema}.{field}"
        );
    }
    assert_eq!(
        schemas["SignUp"]["properties"]["password"]["minLength"],
        PASSWORD_MIN_CHARS
    );
}
