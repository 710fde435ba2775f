//! A database password rotated while the API serves: the new URL written to the file
//! `DATABASE_URL_FILE` names (as a secrets agent renders it) is used for every new connection,
//! and no request fails. Needs CRUDDUR_TEST_POSTGRES_URL (an admin URL); ignored otherwise.

use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use cruddur_backend::settings::DatabaseUrl;

use crate::helpers::spawn_app_with;

/// Connections are replaced this often in the test, so they all have been within seconds.
const LIFETIME: Duration = Duration::from_secs(1);

/// Writes `url` as an agent does: a new file renamed over the old one.
fn render(path: &Path, url: &str) {
    let next = path.with_extension("next");
    std::fs::write(&next, url).unwrap();
    std::fs::rename(&next, path).unwrap();
}

/// Connections the role `role` has open, other than the admin's, opened before `since`.
async fn older_connections(admin: &mut PgConnection, role: &str, since: Instant) -> i64 {
    let age = since.elapsed().as_secs_f64();
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity
         WHERE usename = $1 AND backend_start < now() - make_interval(secs => $2)",
    )
    .bind(role)
    .bind(age)
    .fetch_one(admin)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs CRUDDUR_TEST_POSTGRES_URL; run with --ignored"]
async fn a_rotated_database_password_is_used_for_new_connections_without_a_restart() {
    let admin_url = std::env::var("CRUDDUR_TEST_POSTGRES_URL")
        .expect("CRUDDUR_TEST_POSTGRES_URL must name a reachable PostgreSQL admin URL");
    let mut admin = PgConnection::connect(&admin_url)
        .await
        .expect("PostgreSQL is not reachable at CRUDDUR_TEST_POSTGRES_URL");
    let name = format!("cruddur_rotation_{}", Uuid::new_v4().simple());
    let (old_password, new_password) = (Uuid::new_v4().simple(), Uuid::new_v4().simple());
    for statement in [
        format!("CREATE ROLE {name} LOGIN PASSWORD '{old_password}'"),
        format!("CREATE DATABASE {name} OWNER {name}"),
    ] {
        sqlx::query(&statement).execute(&mut admin).await.unwrap();
    }
    let url_with = |password| {
        let mut url = url::Url::parse(&admin_url).unwrap();
        url.set_username(&name).unwrap();
        url.set_password(Some(&format!("{password}"))).unwrap();
        url.set_path(&name);
        url.to_string()
    };
    let (old_url, new_url) = (url_with(old_password), url_with(new_password));

    let secrets = tempfile::tempdir().unwrap();
    let file = secrets.path().join("database_url");
    render(&file, &old_url);
    let app = spawn_app_with(|settings| {
        settings.database_url = DatabaseUrl::new(&old_url);
        settings.database_url_file = Some(file.clone());
        settings.database_url_check = Duration::from_millis(100);
        settings.database_connection_lifetime = LIFETIME;
    })
    .await;
    let ada = app.sign_up("ada").await;

    // The rotation: the database first, then the secret.
    sqlx::query(&format!("ALTER ROLE {name} PASSWORD '{new_password}'"))
        .execute(&mut admin)
        .await
        .unwrap();
    let rotated = Instant::now();
    render(&file, &new_url);

    // Requests all through the time every connection is replaced, each a write and a read.
    let mut requests = 0;
    while rotated.elapsed() < LIFETIME * 4 {
        let write = app
            .post("/api/activities")
            .bearer_auth(&ada.token)
            .json(&serde_json::json!({"message": format!("crud {requests}"), "ttl": "1-day"}))
            .send()
            .await
            .unwrap()
            .status();
        let read = app
            .get("/api/activities/@ada")
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(
            (write, read),
            (StatusCode::OK, StatusCode::OK),
            "request {requests}, {:?} after the rotation",
            rotated.elapsed()
        );
        requests += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(requests > 20, "only {requests} requests");

    assert!(
        PgConnection::connect(&old_url).await.is_err(),
        "the old password no longer logs in"
    );
    assert_eq!(
        older_connections(&mut admin, &name, rotated).await,
        0,
        "every connection of the API was opened after the rotation, with the new password"
    );
    let health = app.get("/api/ready").send().await.unwrap().status();
    assert_eq!(health, StatusCode::OK);

    drop(app);
    for statement in [
        format!("DROP DATABASE {name} WITH (FORCE)"),
        format!("DROP ROLE {name}"),
    ] {
        sqlx::query(&statement).execute(&mut admin).await.unwrap();
    }
}
