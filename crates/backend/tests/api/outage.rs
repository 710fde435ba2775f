//! Store outages, made by cutting a TCP proxy between the API and the store: requests answer
//! 503 JSON promptly while the store is unreachable, and everything recovers by itself after.
//! The PostgreSQL test needs CRUDDUR_TEST_POSTGRES_URL (an admin URL), the DynamoDB one
//! CRUDDUR_TEST_DYNAMODB_URL (an emulator); both are ignored otherwise.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Connection;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

use cruddur_backend::settings::DynamoDbSettings;
use cruddur_store::dynamodb::{DynamoDbConfig, DynamoMessageStore};

use crate::helpers::{TestApp, error_json, spawn_app_with};

/// Forwards connections on `listen` to `upstream` until aborted; aborting drops every
/// forwarded connection, which to the server's pool looks like the database going away.
async fn start_proxy(listen: SocketAddr, upstream: SocketAddr) -> (SocketAddr, JoinHandle<()>) {
    let listener = TcpListener::bind(listen).await.unwrap();
    let address = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            let Ok((mut client, _)) = listener.accept().await else {
                continue;
            };
            connections.spawn(async move {
                if let Ok(mut server) = TcpStream::connect(upstream).await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
            });
        }
    });
    (address, task)
}

/// Polls until `path` answers `status`, up to `limit`.
async fn wait_for(app: &TestApp, path: &str, status: StatusCode, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let answered = app.get(path).send().await.unwrap().status();
        if answered == status {
            return started.elapsed();
        }
        assert!(started.elapsed() < limit, "{path} still answers {answered}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
#[ignore = "needs CRUDDUR_TEST_POSTGRES_URL; run with --ignored"]
async fn postgres_outage_gives_503_and_recovers() {
    let admin_url = std::env::var("CRUDDUR_TEST_POSTGRES_URL")
        .expect("CRUDDUR_TEST_POSTGRES_URL must name a reachable PostgreSQL admin URL");
    let admin = url::Url::parse(&admin_url).unwrap();
    let upstream: SocketAddr = admin.socket_addrs(|| Some(5432)).unwrap()[0];
    let database = format!("cruddur_outage_{}", uuid::Uuid::new_v4().simple());
    let mut connection = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("PostgreSQL is not reachable at CRUDDUR_TEST_POSTGRES_URL");
    sqlx::query(&format!("CREATE DATABASE {database}"))
        .execute(&mut connection)
        .await
        .unwrap();

    let (proxy_address, proxy) = start_proxy("127.0.0.1:0".parse().unwrap(), upstream).await;
    let mut through_proxy = admin.clone();
    through_proxy.set_port(Some(proxy_address.port())).unwrap();
    through_proxy.set_path(&database);
    let app = spawn_app_with(|settings| {
        settings.database_url = cruddur_backend::settings::DatabaseUrl::new(through_proxy.as_str());
    })
    .await;
    let ada = app.sign_up("ada").await;
    app.crud(&ada, "written before the outage").await;
    wait_for(&app, "/api/ready", StatusCode::OK, Duration::from_secs(5)).await;

    proxy.abort();
    let _ = proxy.await;
    wait_for(
        &app,
        "/api/ready",
        StatusCode::SERVICE_UNAVAILABLE,
        Duration::from_secs(10),
    )
    .await;
    let started = Instant::now();
    let response = app.get("/api/activities/home").send().await.unwrap();
    let body: Value = error_json(response, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body["error"], "service_unavailable");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "a request hung during the outage"
    );

    let (_, proxy) = start_proxy(proxy_address, upstream).await;
    wait_for(&app, "/api/ready", StatusCode::OK, Duration::from_secs(15)).await;
    let home: Vec<Value> =
        crate::helpers::ok_json(app.get("/api/activities/home").send().await.unwrap()).await;
    assert_eq!(home.len(), 1);

    drop(app);
    proxy.abort();
    sqlx::query(&format!("DROP DATABASE {database} WITH (FORCE)"))
        .execute(&mut connection)
        .await
        .unwrap();
}

#[tokio::test]
#[ignore = "needs CRUDDUR_TEST_DYNAMODB_URL; run with --ignored"]
async fn dynamodb_outage_gives_503_on_messages_only_and_recovers() {
    let endpoint = std::env::var("CRUDDUR_TEST_DYNAMODB_URL")
        .expect("CRUDDUR_TEST_DYNAMODB_URL must name a reachable DynamoDB emulator");
    let upstream: SocketAddr = url::Url::parse(&endpoint)
        .unwrap()
        .socket_addrs(|| None)
        .unwrap()[0];
    let (proxy_address, proxy) = start_proxy("127.0.0.1:0".parse().unwrap(), upstream).await;
    let table = format!("cruddur-outage-{}", uuid::Uuid::new_v4().simple());
    let app = spawn_app_with(|settings| {
        settings.dynamodb = Some(DynamoDbSettings {
            table: table.clone(),
            endpoint: Some(format!("http://{proxy_address}")),
            region: Some("us-east-1".into()),
            credentials: None,
        });
    })
    .await;
    let ada = app.sign_up("ada").await;
    app.sign_up("bob").await;
    let send = || {
        app.post("/api/messages")
            .bearer_auth(&ada.token)
            .json(&serde_json::json!({"message": "hello", "user_receiver_handle": "bob"}))
            .send()
    };
    assert_eq!(send().await.unwrap().status(), StatusCode::OK);

    proxy.abort();
    let _ = proxy.await;
    let started = Instant::now();
    let body: Value = error_json(send().await.unwrap(), StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body["error"], "service_unavailable");
    let groups = app
        .get("/api/message_groups")
        .bearer_auth(&ada.token)
        .send()
        .await
        .unwrap();
    error_json(groups, StatusCode::SERVICE_UNAVAILABLE).await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "message requests hung during the outage"
    );
    // The rest of the API works, and the API stays ready: the outage is reported, not fatal.
    let home = app.get("/api/activities/home").send().await.unwrap();
    assert_eq!(home.status(), StatusCode::OK);
    let ready: Value = crate::helpers::ok_json(app.get("/api/ready").send().await.unwrap()).await;
    let messages = ready["stores"]
        .as_array()
        .unwrap()
        .iter()
        .find(|store| store["name"] == "messages")
        .unwrap();
    assert_eq!(messages["ok"], false, "{ready}");

    let (_, proxy) = start_proxy(proxy_address, upstream).await;
    let started = Instant::now();
    while send().await.unwrap().status() != StatusCode::OK {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "messages never recovered"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let groups: Vec<Value> = crate::helpers::ok_json(
        app.get("/api/message_groups")
            .bearer_auth(&ada.token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(groups.len(), 1);
    proxy.abort();

    // The emulator outlives the test: its table goes.
    let store = DynamoMessageStore::connect(DynamoDbConfig {
        endpoint: Some(endpoint),
        region: Some("us-east-1".into()),
        credentials: None,
        table,
    })
    .await
    .unwrap();
    store
        .client()
        .delete_table()
        .table_name(store.table())
        .send()
        .await
        .unwrap();
}
