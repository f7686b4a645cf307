//! The sweeper's reads of the jobs table: the sparse lease index, queried
//! per partition (`PROCESSING`, `QUEUED`) for jobs waiting since before a time.
use super::DynamoJobStore;
use super::items::{job_id_of, n, s, tenant_of};
use crate::StoreError;
use crate::aws_error::store_error;
use crate::resources::{LEASE_INDEX, LEASE_INDEX_PK, LEASE_INDEX_SK};
use chrono::{DateTime, Utc};
use kt_domain::{JobId, TenantId};

impl DynamoJobStore {
    /// Jobs in the index partition `partition` whose sort key is at most `before`.
    pub(super) async fn waiting_since_before(
        &self,
        partition: &str,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<(TenantId, JobId)>, StoreError> {
        let mut found = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(LEASE_INDEX)
                .key_condition_expression("#pk = :pk AND #sk <= :before")
                .expression_attribute_names("#pk", LEASE_INDEX_PK)
                .expression_attribute_names("#sk", LEASE_INDEX_SK)
                .expression_attribute_values(":pk", s(partition))
                .expression_attribute_values(":before", n(before.timestamp_millis()))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| store_error("looking for stranded jobs", e))?;
            for item in out.items.unwrap_or_default() {
                if let (Some(tenant), Some(id)) = (tenant_of(&item), job_id_of(&item)) {
                    found.push((tenant, id));
                }
            }
            start = out.last_evaluated_key;
            if start.is_none() || found.len() >= limit {
                found.truncate(limit);
                return Ok(found);
            }
        }
    }
}
