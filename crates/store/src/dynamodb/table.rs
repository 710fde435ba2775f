//! Creating the message table, and checking that an existing one has the expected layout.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::operation::create_table::CreateTableError;
use aws_sdk_dynamodb::operation::describe_table::DescribeTableError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, IndexStatus, KeySchemaElement, KeyType,
    Projection, ProjectionType, ScalarAttributeType, TableDescription, TableStatus,
};

use super::DynamoMessageStore;
use super::items::{GROUP_INDEX, GROUP_UUID, PK, SK};
use crate::{StoreError, StoreResult};

/// What [`DynamoMessageStore::create_table_if_absent`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableCreation {
    Created,
    AlreadyThere,
}

/// A new table and its index take seconds on AWS (emulators: none); much longer means
/// something is wrong.
const ACTIVE_WAIT: Duration = Duration::from_secs(120);
const ACTIVE_POLL: Duration = Duration::from_millis(250);

impl DynamoMessageStore {
    /// Creates the table and its index unless the table exists, then waits until both are
    /// active. Idempotent, also when two processes race to create it. An existing table without
    /// the expected keys or index is an error rather than something to repair silently.
    pub async fn create_table_if_absent(&self) -> StoreResult<TableCreation> {
        let creation = match self.describe().await? {
            Some(table) => {
                check_layout(&table)?;
                TableCreation::AlreadyThere
            }
            None => {
                self.create().await?;
                TableCreation::Created
            }
        };
        self.wait_until_active().await?;
        Ok(creation)
    }

    /// The table's description, `None` if it does not exist.
    pub(super) async fn describe(&self) -> StoreResult<Option<TableDescription>> {
        match self
            .client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await
        {
            Ok(output) => Ok(output.table),
            Err(error)
                if matches!(
                    error.as_service_error(),
                    Some(DescribeTableError::ResourceNotFoundException(_))
                ) =>
            {
                Ok(None)
            }
            Err(error) => Err(error.into()),
        }
    }

    async fn create(&self) -> StoreResult<()> {
        let string_attribute = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
        };
        let key = |name: &str, key_type: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(key_type)
                .build()
        };
        let index = GlobalSecondaryIndex::builder()
            .index_name(GROUP_INDEX)
            .key_schema(key(GROUP_UUID, KeyType::Hash)?)
            .key_schema(key(SK, KeyType::Range)?)
            // Only used to find a group's members, whose `pk` names them: keys are enough.
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::KeysOnly)
                    .build(),
            )
            .build()?;
        let created = self
            .client
            .create_table()
            .table_name(&self.table)
            .attribute_definitions(string_attribute(PK)?)
            .attribute_definitions(string_attribute(SK)?)
            .attribute_definitions(string_attribute(GROUP_UUID)?)
            .key_schema(key(PK, KeyType::Hash)?)
            .key_schema(key(SK, KeyType::Range)?)
            .global_secondary_indexes(index)
            // Messages come in bursts and lulls: pay per request, nothing to provision.
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await;
        match created {
            Ok(_) => {
                tracing::info!(table = %self.table, "created the message table");
                Ok(())
            }
            // Another process created it in the meantime.
            Err(error)
                if matches!(
                    error.as_service_error(),
                    Some(CreateTableError::ResourceInUseException(_))
                ) =>
            {
                Ok(())
            }
            Err(error) => Err(error.into()),
        }
    }

    async fn wait_until_active(&self) -> StoreResult<()> {
        let started = Instant::now();
        loop {
            let table = self
                .describe()
                .await?
                .ok_or_else(|| StoreError::Internal("the message table disappeared".into()))?;
            let index_active = table
                .global_secondary_indexes()
                .iter()
                .filter(|index| index.index_name() == Some(GROUP_INDEX))
                .all(|index| index.index_status() == Some(&IndexStatus::Active));
            if table.table_status() == Some(&TableStatus::Active) && index_active {
                return Ok(());
            }
            if started.elapsed() > ACTIVE_WAIT {
                return Err(StoreError::Unavailable(
                    format!("the message table {} is not active yet", self.table).into(),
                ));
            }
            tokio::time::sleep(ACTIVE_POLL).await;
        }
    }
}

fn check_layout(table: &TableDescription) -> StoreResult<()> {
    let keys = |schema: &[KeySchemaElement]| -> Vec<(String, KeyType)> {
        schema
            .iter()
            .map(|key| (key.attribute_name().to_owned(), key.key_type().clone()))
            .collect()
    };
    let table_keys = keys(table.key_schema());
    let expected = vec![
        (PK.to_owned(), KeyType::Hash),
        (SK.to_owned(), KeyType::Range),
    ];
    let index_keys = table
        .global_secondary_indexes()
        .iter()
        .find(|index| index.index_name() == Some(GROUP_INDEX))
        .map(|index| keys(index.key_schema()));
    let expected_index = vec![
        (GROUP_UUID.to_owned(), KeyType::Hash),
        (SK.to_owned(), KeyType::Range),
    ];
    if table_keys == expected && index_keys == Some(expected_index) {
        Ok(())
    } else {
        Err(StoreError::Internal(
            format!(
                "table {} exists without the message store's layout: keys {PK}/{SK} and index \
                 {GROUP_INDEX} on {GROUP_UUID}/{SK}",
                table.table_name().unwrap_or("?")
            )
            .into(),
        ))
    }
}
