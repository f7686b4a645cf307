//! DynamoDB implementation of [`super::JobStore`] (serde_dynamo items, transactions).
//!
//! Layout (see `docs/architecture.md`): `pk = TENANT#<tenant>` and
//! `sk = JOB#<job_id>` (ULIDs, so newest-first paging is one Query),
//! `sk = IDEM#<key>` for idempotency keys, `sk = COUNTER#active` for the
//! tenant's active-job counter.
//!
//! Transitions read the job, decide in Rust whether the domain allows the
//! change, and write the whole item back (via serde_dynamo) on condition that
//! its revision, status and attempt are still what was read. A write that lost
//! a race re-reads and decides again, so a stale actor ends in
//! [`Transition::Conflict`] with the job as it is now. Leaving queued/processing
//! decrements the counter in the same transaction.
//!
//! Attributes the adapter adds to a job item: `rev` (optimistic concurrency),
//! `ttl` (epoch seconds: 30 days after `expires_at` for completed jobs, which
//! therefore stay visible as `expired` history for 30 days; 30 days after the
//! end for failed and canceled ones; never for active ones), and, only while
//! processing, `gsi_lease_pk`/`lease_until_ms` for the sparse
//! `processing-leases` index a sweeper can query for expired leases.
mod checkpoint;
mod custody;
mod fanout;
mod items;
mod profiles;
mod share;
mod sweep;
mod writes;

use super::aws_error::store_error;
use super::sweep_rules::{self, SweepPolicy};
use super::{CreateOutcome, JobStore, StoreError, Transition};
use crate::resources::{LEASE_INDEX_PK_VALUE, PK, QUEUED_INDEX_PK_VALUE, TTL_ATTR};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Duration, Utc};
use items::{
    IDEM_JOB_ID, IDEM_REQUEST_HASH, Item, idem_sk, job_from_item, job_id_of, job_item, job_sk, key,
    n, s, string_attr, tenant_pk,
};
use kt_domain::Completion;
use kt_domain::{Job, JobError, JobId, JobStats, TenantId};
use tracing::instrument;
use writes::{Write, failed_conditions, is_contended, transaction_error};

/// How often a transition re-reads after losing a race before giving up (transiently).
const MAX_RACES: usize = 5;

/// Jobs, idempotency keys and active counters in one DynamoDB table.
#[derive(Debug, Clone)]
pub struct DynamoJobStore {
    client: Client,
    table: String,
}

impl DynamoJobStore {
    pub fn new(client: Client, table: &str) -> Self {
        Self {
            client,
            table: table.to_string(),
        }
    }

    async fn read(&self, tenant: &TenantId, sk: String) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(tenant, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error("reading the jobs table", e))?;
        Ok(out.item)
    }

    async fn read_job(
        &self,
        tenant: &TenantId,
        id: &JobId,
    ) -> Result<Option<(Job, u64)>, StoreError> {
        self.read(tenant, job_sk(id))
            .await?
            .map(job_from_item)
            .transpose()
    }

    /// Applies `change` to the job as stored, retrying after lost races.
    /// `change` returns `None` when the job's state does not allow it.
    async fn transition(
        &self,
        tenant: &TenantId,
        id: &JobId,
        ended_at: DateTime<Utc>,
        change: impl Fn(&Job) -> Option<Job> + Send + Sync,
    ) -> Result<Transition, StoreError> {
        for _ in 0..MAX_RACES {
            let Some((current, rev)) = self.read_job(tenant, id).await? else {
                return Ok(Transition::NotFound);
            };
            let Some(next) = change(&current) else {
                return Ok(Transition::Conflict(current));
            };
            match self
                .write_transition(&current, rev, &next, ended_at)
                .await?
            {
                Write::Done => return Ok(Transition::Done(next)),
                Write::LostRace => tracing::debug!(job_id = %id, "lost a race, re-reading"),
            }
        }
        Err(StoreError::Transient(
            format!("job {id} kept changing while being updated").into(),
        ))
    }

    /// One attempt at a create; `None` when the idempotency key named a job
    /// that no longer exists and was freed (try again).
    async fn create_once(
        &self,
        job: &Job,
        idempotency_key: Option<&str>,
        max_active: u32,
    ) -> Result<Option<CreateOutcome>, StoreError> {
        if max_active == 0 {
            return Ok(Some(CreateOutcome::TooManyActive));
        }
        let mut writes = vec![
            self.put_new(job_item(job, 1, None)?)?,
            self.counter_change(&job.tenant_id, 1, Some(max_active))?,
        ];
        if let Some(idem_key) = idempotency_key {
            let mut idem = key(&job.tenant_id, idem_sk(idem_key));
            idem.insert(IDEM_JOB_ID.into(), s(job.id.as_str()));
            let hash = job.request_hash.clone().unwrap_or_default();
            idem.insert(IDEM_REQUEST_HASH.into(), s(hash));
            let expires = job.created_at + Duration::days(crate::resources::HISTORY_RETENTION_DAYS);
            idem.insert(TTL_ATTR.into(), n(expires.timestamp()));
            writes.push(self.put_new(idem)?);
        }
        // Concurrent creates of one tenant all touch its counter item, and
        // DynamoDB cancels all but one of them (TransactionConflict): retry those.
        let mut races = 0;
        let err = loop {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(writes.clone()))
                .send()
                .await;
            match result {
                Ok(_) => return Ok(Some(CreateOutcome::Created(job.clone()))),
                Err(e) if is_contended(&e) && races + 1 < MAX_RACES => {
                    races += 1;
                    tracing::debug!(races, "create lost a transaction race, retrying");
                    tokio::time::sleep(std::time::Duration::from_millis(20 * races as u64)).await;
                }
                Err(e) => break e,
            }
        };
        let failed = failed_conditions(&err);
        match (failed.first(), failed.get(1), failed.get(2)) {
            (_, _, Some(true)) => self.replay(job, idempotency_key.unwrap_or_default()).await,
            (_, Some(true), _) => Ok(Some(CreateOutcome::TooManyActive)),
            (Some(true), _, _) => Err(StoreError::Permanent(
                format!("job {} already exists", job.id).into(),
            )),
            _ => Err(transaction_error("creating a job", err)),
        }
    }

    /// Deletes an idempotency key, if it still names `id`.
    async fn free_key(
        &self,
        tenant: &TenantId,
        key_name: &str,
        id: &JobId,
    ) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(tenant, idem_sk(key_name))))
            .condition_expression("#job = :job")
            .expression_attribute_names("#job", IDEM_JOB_ID)
            .expression_attribute_values(":job", s(id.as_str()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Someone else freed or reused it first: the next round sees what is there.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(store_error("freeing an idempotency key", e)),
        }
    }

    /// What an existing idempotency key means for a new request with `job`'s hash.
    async fn replay(
        &self,
        job: &Job,
        idempotency_key: &str,
    ) -> Result<Option<CreateOutcome>, StoreError> {
        let tenant = &job.tenant_id;
        let Some(idem) = self.read(tenant, idem_sk(idempotency_key)).await? else {
            // The key's item vanished (TTL) between the write and this read: try again.
            return Ok(None);
        };
        let stored_hash = string_attr(&idem, IDEM_REQUEST_HASH).unwrap_or_default();
        if stored_hash != job.request_hash.clone().unwrap_or_default() {
            return Ok(Some(CreateOutcome::IdempotencyConflict));
        }
        let first = string_attr(&idem, IDEM_JOB_ID).and_then(|id| JobId::parse(&id).ok());
        match first {
            Some(id) => match self.read_job(tenant, &id).await? {
                Some((job, _)) => Ok(Some(CreateOutcome::Replayed(job))),
                // The job's record outlived by its key (TTL): the key is free again.
                None => self
                    .free_key(tenant, idempotency_key, &id)
                    .await
                    .map(|()| None),
            },
            None => Err(StoreError::Permanent(
                format!("idempotency item {idempotency_key:?} has no job id").into(),
            )),
        }
    }
}

#[async_trait]
impl JobStore for DynamoJobStore {
    #[instrument(skip_all, fields(tenant = %job.tenant_id, job_id = %job.id))]
    async fn create(
        &self,
        job: &Job,
        idempotency_key: Option<&str>,
        max_active: u32,
    ) -> Result<CreateOutcome, StoreError> {
        // A second round only after a key whose job had expired was freed.
        for _ in 0..2 {
            if let Some(outcome) = self.create_once(job, idempotency_key, max_active).await? {
                return Ok(outcome);
            }
        }
        Err(StoreError::Transient(
            "idempotency key changed; retry".into(),
        ))
    }

    async fn get(&self, tenant: &TenantId, id: &JobId) -> Result<Option<Job>, StoreError> {
        Ok(self.read_job(tenant, id).await?.map(|(job, _)| job))
    }

    async fn list(
        &self,
        tenant: &TenantId,
        after: Option<&JobId>,
        limit: u32,
    ) -> Result<(Vec<Job>, Option<JobId>), StoreError> {
        let mut jobs = Vec::new();
        let mut start = after.map(|id| key(tenant, job_sk(id)));
        let limit = limit.max(1) as usize;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#sk", crate::resources::SK)
                .expression_attribute_values(":pk", s(tenant_pk(tenant)))
                .expression_attribute_values(":prefix", s(items::job_sk_prefix()))
                .scan_index_forward(false)
                .limit((limit - jobs.len()) as i32)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| store_error("listing jobs", e))?;
            for item in out.items.unwrap_or_default() {
                jobs.push(job_from_item(item)?.0);
            }
            start = out.last_evaluated_key;
            if start.is_none() || jobs.len() >= limit {
                break;
            }
        }
        let next = start.and_then(|k| job_id_of(&k));
        Ok((jobs, next))
    }

    #[instrument(skip(self), fields(job_id = %id))]
    async fn claim(
        &self,
        tenant: &TenantId,
        id: &JobId,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Transition, StoreError> {
        self.transition(tenant, id, now, |job| job.claim(now, lease_until))
            .await
    }

    async fn heartbeat(
        &self,
        tenant: &TenantId,
        id: &JobId,
        attempt: u32,
        progress: f64,
        event_count: u64,
        lease_until: DateTime<Utc>,
    ) -> Result<Transition, StoreError> {
        self.transition(tenant, id, Utc::now(), |job| {
            job.heartbeat(attempt, progress, event_count, lease_until)
        })
        .await
    }

    #[instrument(skip(self, completion), fields(job_id = %id))]
    async fn complete(
        &self,
        tenant: &TenantId,
        id: &JobId,
        attempt: u32,
        completion: &Completion,
    ) -> Result<Transition, StoreError> {
        self.transition(tenant, id, completion.completed_at, |job| {
            job.complete(attempt, completion)
        })
        .await
    }

    #[instrument(skip(self, error, stats), fields(job_id = %id, code = %error.code))]
    async fn fail(
        &self,
        tenant: &TenantId,
        id: &JobId,
        attempt: Option<u32>,
        error: &JobError,
        stats: Option<&JobStats>,
        now: DateTime<Utc>,
    ) -> Result<Transition, StoreError> {
        self.transition(tenant, id, now, |job| job.fail(attempt, error, stats, now))
            .await
    }

    #[instrument(skip(self), fields(job_id = %id))]
    async fn cancel(
        &self,
        tenant: &TenantId,
        id: &JobId,
        now: DateTime<Utc>,
    ) -> Result<Transition, StoreError> {
        self.transition(tenant, id, now, |job| job.cancel(now))
            .await
    }

    async fn stranded(
        &self,
        now: DateTime<Utc>,
        queued_before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<(TenantId, JobId)>, StoreError> {
        let mut found = self
            .waiting_since_before(LEASE_INDEX_PK_VALUE, now, limit)
            .await?;
        let left = limit.saturating_sub(found.len());
        if left > 0 {
            found.extend(
                self.waiting_since_before(QUEUED_INDEX_PK_VALUE, queued_before, left)
                    .await?,
            );
        }
        Ok(found)
    }

    #[instrument(skip(self, policy), fields(job_id = %id))]
    async fn sweep(
        &self,
        tenant: &TenantId,
        id: &JobId,
        now: DateTime<Utc>,
        policy: &SweepPolicy,
    ) -> Result<Transition, StoreError> {
        self.transition(tenant, id, now, |job| sweep_rules::sweep(job, now, policy))
            .await
    }

    #[instrument(skip(self), fields(job_id = %id))]
    async fn fail_dead_lettered(
        &self,
        tenant: &TenantId,
        id: &JobId,
        now: DateTime<Utc>,
    ) -> Result<Transition, StoreError> {
        self.transition(tenant, id, now, |job| {
            sweep_rules::fail_dead_lettered(job, now)
        })
        .await
    }
}
