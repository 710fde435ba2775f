//! Direct messages in DynamoDB, in the single-table design of the original app.
//!
//! One table (`cruddur-messages` in the deployments) with string keys `pk`/`sk`:
//!
//! | item | `pk` | `sk` | other attributes |
//! |---|---|---|---|
//! | group, one per participant | `GRP#<user uuid>` | `<last message time>#<group uuid>` | `message_group_uuid`, `message` (preview), `user_uuid`, `user_handle`, `user_display_name` (the other person) |
//! | message | `MSG#<group uuid>` | `<time>#<message uuid>` | `message_uuid`, `message`, `user_uuid`, `user_handle`, `user_display_name` (the sender) |
//! | pair | `PAIR#<smaller user uuid>#<larger user uuid>` | `PAIR` | `group_uuid`, `last_sk` (the group items' current `sk`) |
//!
//! and a global secondary index `message-group-sk-index` on (`message_group_uuid`, `sk`).
//! Times are RFC 3339 with exactly six fractional digits, so sort keys sort as
//! `(time, uuid)`, the feeds' order. `items` encodes all of this, `table` creates the table,
//! `messages` implements [`crate::MessageStore`] and `error` maps SDK errors.

mod error;
mod items;
mod messages;
mod table;

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Region};

pub use aws_sdk_dynamodb::config::Credentials;
pub use table::TableCreation;

use crate::{StoreError, StoreResult};

/// The region an emulator is addressed as when none is configured: emulators accept any.
const EMULATOR_REGION: &str = "us-east-1";

/// Attempts per request, the first included. The SDK retries throttling, 5xx answers, timeouts
/// and connection failures with exponential backoff and jitter ("standard" mode).
const MAX_ATTEMPTS: u32 = 3;
/// Short enough that an unreachable DynamoDB turns into a 503 within a few seconds, as an
/// unreachable SQL database does (its pool's acquire timeout is 3 s); DynamoDB itself answers
/// in milliseconds.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
const OPERATION_TIMEOUT: Duration = Duration::from_secs(4);

/// Where the message table is and how to sign requests to it.
#[derive(Debug, Clone)]
pub struct DynamoDbConfig {
    /// An emulator or other non-AWS endpoint (`AWS_ENDPOINT_URL`); `None` for AWS itself.
    pub endpoint: Option<String>,
    /// `None`: `us-east-1` with an endpoint, the SDK's region chain without.
    pub region: Option<String>,
    /// `None`: fixed fake credentials with an endpoint (emulators accept any), the SDK's
    /// default credential chain (environment, web identity, container or instance role)
    /// without.
    pub credentials: Option<Credentials>,
    pub table: String,
}

/// The message store on one DynamoDB table.
#[derive(Debug, Clone)]
pub struct DynamoMessageStore {
    client: Client,
    table: String,
}

impl DynamoMessageStore {
    /// Builds the client; nothing is sent until the first request.
    pub async fn connect(config: DynamoDbConfig) -> StoreResult<Self> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                    .operation_timeout(OPERATION_TIMEOUT)
                    .build(),
            );
        let region = match (&config.region, &config.endpoint) {
            (Some(region), _) => Some(region.clone()),
            (None, Some(_)) => Some(EMULATOR_REGION.to_owned()),
            (None, None) => None,
        };
        if let Some(region) = region {
            loader = loader.region(Region::new(region));
        }
        let credentials = match (config.credentials, &config.endpoint) {
            (Some(credentials), _) => Some(credentials),
            (None, Some(_)) => Some(Credentials::new(
                "cruddur-local",
                "cruddur-local",
                None,
                None,
                "cruddur-emulator",
            )),
            (None, None) => None,
        };
        if let Some(credentials) = credentials {
            loader = loader.credentials_provider(credentials);
        }
        if let Some(endpoint) = &config.endpoint {
            loader = loader.endpoint_url(endpoint);
        }
        let sdk_config = loader.load().await;
        if sdk_config.region().is_none() {
            return Err(StoreError::Internal(
                "no AWS region: set AWS_REGION (or AWS_ENDPOINT_URL for an emulator)".into(),
            ));
        }
        Ok(DynamoMessageStore {
            client: Client::new(&sdk_config),
            table: config.table,
        })
    }

    /// The SDK client, for administration beyond the store's own (tests delete their tables).
    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }
}
