//! [`FanOutStore`] in the jobs table, beside the job's own item.
//!
//! Items (with `ttl`: 30 days after the run started; they are working state):
//! - `sk = FANOUT#<job_id>#<attempt>`: the run (`run`, JSON), the counters
//!   `done` and `events` (N), and the finisher's lease (`finisher`,
//!   `finisher_until_ms`).
//! - `sk = FANOUT#<job_id>#<attempt>#SEG#<index>`: a finished segment (`segment`, JSON).
//!
//! Recording a segment is one transaction: the segment put (on condition it
//! is new) and `ADD done 1, events n` on the run (on condition it exists), so
//! the counter counts each segment exactly once whatever SQS redelivers.
use super::DynamoJobStore;
use super::items::{Item, key, n, s, string_attr, tenant_pk};
use super::writes::{failed_conditions, is_contended, transaction_error};
use crate::StoreError;
use crate::aws_error::store_error;
use crate::fanout::{FanOutProgress, FanOutRun, FanOutStore, Recorded, SegmentDone};
use crate::resources::{HISTORY_RETENTION_DAYS, PK, SK, TTL_ATTR};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use chrono::{DateTime, Duration, Utc};
use kt_domain::{JobId, TenantId};

const RUN: &str = "run";
const SEGMENT: &str = "segment";
const DONE: &str = "done";
const EVENTS: &str = "events";
const FINISHER: &str = "finisher";
const FINISHER_UNTIL: &str = "finisher_until_ms";

pub(super) fn run_sk(job: &JobId, attempt: u32) -> String {
    format!("FANOUT#{job}#{attempt:05}")
}
fn segment_sk(job: &JobId, attempt: u32, index: u32) -> String {
    format!("{}#SEG#{index:06}", run_sk(job, attempt))
}

fn number(item: &Item, name: &str) -> u64 {
    match item.get(name) {
        Some(AttributeValue::N(v)) => v.parse().unwrap_or(0),
        _ => 0,
    }
}

fn from_json<T: serde::de::DeserializeOwned>(item: &Item, name: &str) -> Result<T, StoreError> {
    let text = string_attr(item, name)
        .ok_or_else(|| StoreError::Permanent(format!("fan-out item without {name}").into()))?;
    serde_json::from_str(&text)
        .map_err(|e| StoreError::Permanent(format!("unreadable fan-out {name}: {e}").into()))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<AttributeValue, StoreError> {
    serde_json::to_string(value)
        .map(s)
        .map_err(|e| StoreError::Permanent(format!("fan-out item to JSON: {e}").into()))
}

fn ttl() -> AttributeValue {
    n((Utc::now() + Duration::days(HISTORY_RETENTION_DAYS)).timestamp())
}

fn build_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Permanent(format!("building a fan-out write: {e}").into())
}

#[async_trait]
impl FanOutStore for DynamoJobStore {
    async fn start_run(
        &self,
        tenant: &TenantId,
        job: &JobId,
        run: &FanOutRun,
    ) -> Result<bool, StoreError> {
        let mut item = key(tenant, run_sk(job, run.attempt));
        item.insert(RUN.into(), to_json(run)?);
        item.insert(DONE.into(), n(0));
        item.insert(EVENTS.into(), n(0));
        item.insert(TTL_ATTR.into(), ttl());
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .send()
            .await;
        match put {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(store_error("starting a fan-out run", e)),
        }
    }

    async fn run(
        &self,
        tenant: &TenantId,
        job: &JobId,
        attempt: u32,
    ) -> Result<Option<(FanOutRun, FanOutProgress)>, StoreError> {
        let Some(item) = self.read(tenant, run_sk(job, attempt)).await? else {
            return Ok(None);
        };
        let run: FanOutRun = from_json(&item, RUN)?;
        let progress = FanOutProgress {
            done: number(&item, DONE) as u32,
            total: run.segments,
            events: number(&item, EVENTS),
        };
        Ok(Some((run, progress)))
    }

    async fn segment(
        &self,
        tenant: &TenantId,
        job: &JobId,
        attempt: u32,
        index: u32,
    ) -> Result<Option<SegmentDone>, StoreError> {
        self.read(tenant, segment_sk(job, attempt, index))
            .await?
            .map(|item| from_json(&item, SEGMENT))
            .transpose()
    }

    async fn record_segment(
        &self,
        tenant: &TenantId,
        job: &JobId,
        attempt: u32,
        segment: &SegmentDone,
    ) -> Result<Recorded, StoreError> {
        let mut item = key(tenant, segment_sk(job, attempt, segment.index));
        item.insert(SEGMENT.into(), to_json(segment)?);
        item.insert(TTL_ATTR.into(), ttl());
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .build()
            .map_err(build_error)?;
        let count = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(tenant, run_sk(job, attempt))))
            .update_expression("ADD #done :one, #events :events")
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#done", DONE)
            .expression_attribute_names("#events", EVENTS)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":events", n(segment.event_count))
            .build()
            .map_err(build_error)?;
        let writes = vec![
            TransactWriteItem::builder().put(put).build(),
            TransactWriteItem::builder().update(count).build(),
        ];
        let mut races = 0u64;
        loop {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(writes.clone()))
                .send()
                .await;
            match result {
                Ok(_) => break,
                Err(e) if is_contended(&e) && races < 5 => {
                    races += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(20 * races)).await;
                }
                Err(e) => {
                    let failed = failed_conditions(&e);
                    return match (failed.first(), failed.get(1)) {
                        (Some(true), _) => Ok(Recorded::Duplicate),
                        (_, Some(true)) => Ok(Recorded::NoRun),
                        _ => Err(transaction_error("recording a segment", e)),
                    };
                }
            }
        }
        match self.run(tenant, job, attempt).await? {
            Some((_, progress)) => Ok(Recorded::First(progress)),
            None => Ok(Recorded::NoRun),
        }
    }

    async fn segments(
        &self,
        tenant: &TenantId,
        job: &JobId,
        attempt: u32,
    ) -> Result<Vec<SegmentDone>, StoreError> {
        let prefix = format!("{}#SEG#", run_sk(job, attempt));
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", s(tenant_pk(tenant)))
            .expression_attribute_values(":prefix", s(prefix))
            .consistent_read(true)
            .into_paginator()
            .send();
        let mut segments: Vec<SegmentDone> = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| store_error("reading a run's segments", e))?;
            for item in page.items.unwrap_or_default() {
                segments.push(from_json(&item, SEGMENT)?);
            }
        }
        segments.sort_by_key(|s| s.index);
        Ok(segments)
    }

    async fn claim_finish(
        &self,
        tenant: &TenantId,
        job: &JobId,
        attempt: u32,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(tenant, run_sk(job, attempt))))
            .update_expression("SET #finisher = :holder, #until = :until")
            .condition_expression(
                "attribute_exists(#pk) AND (attribute_not_exists(#finisher) OR #finisher = :holder OR #until <= :now)",
            )
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#finisher", FINISHER)
            .expression_attribute_names("#until", FINISHER_UNTIL)
            .expression_attribute_values(":holder", s(holder))
            .expression_attribute_values(":until", n(until.timestamp_millis()))
            .expression_attribute_values(":now", n(now.timestamp_millis()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(store_error("taking the finisher's lease", e)),
        }
    }
}
