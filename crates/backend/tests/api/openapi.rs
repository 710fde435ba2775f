//! The served OpenAPI document describes every route, and every route it describes exists.

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
