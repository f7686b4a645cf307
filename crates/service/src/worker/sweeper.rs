//! The sweeper: finds active jobs nobody is working on and moves them on,
//! so every job reaches `completed`, `failed` or `canceled` in bounded time.
//!
//! - a processing job whose lease lapsed on its last attempt is failed
//!   (`worker_lost`);
//! - a queued job (or a processing one whose lease lapsed earlier) left
//!   waiting for [`SweepPolicy::requeue_after`] gets a new message, once per
//!   threshold, and is failed after [`SweepPolicy::max_requeues`]; while the
//!   export queue has messages waiting for a worker, queued jobs wait their
//!   turn instead (busy workers are not lost jobs);
//! - a message in the dead-letter queue fails its job (`delivery_failed`)
//!   unless a live lease holds it, and is removed.
//!
//! Every change is a conditional transition ([`kt_store::sweep_rules`]),
//! so a sweeper racing a worker, or another sweeper, can only lose. A
//! duplicate message is harmless: the worker's claim runs a job once.
use crate::config::Config;
use crate::telemetry::emf::SweepMetrics;
use crate::worker::deps::MAX_ATTEMPTS;
use chrono::{DateTime, Utc};
use kt_store::aws::{AwsClients, AwsStores};
use kt_store::sqs::{JobMessage, SqsDeadLetters};
use kt_store::sweep_rules::{SweepAction, SweepPolicy, action_of};
use kt_store::{DeadLetterQueue, JobQueue, JobStore, Transition};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// Jobs looked at per pass; the rest wait for the next pass.
const JOBS_PER_PASS: usize = 500;
/// Dead-letter receives per pass (10 messages each).
const DEAD_LETTER_BATCHES: usize = 20;

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// Jobs given a new message.
    pub requeued: u32,
    /// Jobs failed: lapsed last attempt, or out of re-enqueues.
    pub failed: u32,
    /// Jobs failed because their message was dead-lettered.
    pub dead_lettered: u32,
    /// Dead-letter messages removed.
    pub dead_letters_removed: u32,
    /// Store or queue errors (the job or message is looked at again next pass).
    pub errors: u32,
    /// Messages the export queue held for a worker at the pass's start (then
    /// queued jobs were left to wait their turn).
    pub waiting_in_queue: u64,
}

pub struct Sweeper {
    pub jobs: Arc<dyn JobStore>,
    pub queue: Arc<dyn JobQueue>,
    pub dead_letters: Arc<dyn DeadLetterQueue>,
    pub policy: SweepPolicy,
}

impl Sweeper {
    /// The sweeper as Lambda and the local stack run it.
    pub fn from_config(clients: &AwsClients, config: &Config) -> Self {
        let stores = AwsStores::new(clients, &config.resources);
        let dlq = &config.resources.export_dlq;
        Self {
            jobs: stores.jobs,
            queue: stores.queue,
            dead_letters: Arc::new(SqsDeadLetters::new(clients.sqs.clone(), dlq)),
            policy: policy_from(config),
        }
    }

    /// One pass over stranded jobs and the dead-letter queue.
    pub async fn run_once(&self, now: DateTime<Utc>) -> SweepReport {
        let mut report = SweepReport::default();
        self.sweep_jobs(now, &mut report).await;
        self.drain_dead_letters(now, &mut report).await;
        if report != SweepReport::default() {
            info!(?report, "sweep pass");
        }
        SweepMetrics {
            jobs_failed: report.failed + report.dead_lettered,
            jobs_requeued: report.requeued,
            errors: report.errors,
            waiting_in_queue: report.waiting_in_queue,
        }
        .emit();
        report
    }

    async fn sweep_jobs(&self, now: DateTime<Utc>, report: &mut SweepReport) {
        let queued_before = now - self.policy.requeue_after;
        // Asked once a pass: a busy queue holds queued jobs (their messages
        // wait in it); unknown, the queue is taken as not busy, as before.
        let policy = match self.queue.depth().await {
            Ok(depth) => {
                report.waiting_in_queue = depth.waiting;
                SweepPolicy {
                    queue_backlogged: depth.busy(),
                    ..self.policy
                }
            }
            Err(e) => {
                warn!(error = %e, "could not read the export queue's depth");
                report.errors += 1;
                self.policy
            }
        };
        let candidates = match self.jobs.stranded(now, queued_before, JOBS_PER_PASS).await {
            Ok(c) => c,
            Err(e) => {
                warn!(error = %e, "could not look for stranded jobs");
                report.errors += 1;
                return;
            }
        };
        for (tenant, id) in candidates {
            match self.jobs.sweep(&tenant, &id, now, &policy).await {
                Ok(Transition::Done(job)) => match action_of(&job) {
                    SweepAction::Requeued => match self.queue.enqueue(&tenant, &id).await {
                        Ok(()) => {
                            info!(%tenant, job_id = %id, requeues = job.requeues, "stranded job re-enqueued");
                            report.requeued += 1;
                        }
                        Err(e) => {
                            // Recorded but not sent: the next threshold tries again.
                            warn!(%tenant, job_id = %id, error = %e, "re-enqueue failed");
                            report.errors += 1;
                        }
                    },
                    SweepAction::Failed => {
                        let code = job.error.as_ref().map(|e| e.code.as_str()).unwrap_or("");
                        warn!(%tenant, job_id = %id, code, "stranded job failed");
                        crate::trail::record_failed(self.jobs.as_ref(), &job, "sweeper").await;
                        report.failed += 1;
                    }
                },
                // Not stranded after all (held, waiting less than the threshold, or ended).
                Ok(Transition::Conflict(_) | Transition::NotFound) => {}
                Err(e) => {
                    warn!(%tenant, job_id = %id, error = %e, "could not sweep a job");
                    report.errors += 1;
                }
            }
        }
    }

    async fn drain_dead_letters(&self, now: DateTime<Utc>, report: &mut SweepReport) {
        for _ in 0..DEAD_LETTER_BATCHES {
            let letters = match self.dead_letters.receive(10).await {
                Ok(l) => l,
                Err(e) => {
                    warn!(error = %e, "could not read the dead-letter queue");
                    report.errors += 1;
                    return;
                }
            };
            if letters.is_empty() {
                return;
            }
            for letter in letters {
                let handled = match serde_json::from_str::<JobMessage>(&letter.body) {
                    Ok(m) => {
                        match self
                            .jobs
                            .fail_dead_lettered(&m.tenant_id, &m.job_id, now)
                            .await
                        {
                            Ok(Transition::Done(job)) => {
                                warn!(tenant = %m.tenant_id, job_id = %m.job_id, "dead-lettered job failed");
                                crate::trail::record_failed(self.jobs.as_ref(), &job, "sweeper")
                                    .await;
                                report.dead_lettered += 1;
                                true
                            }
                            // Ended already, or a live lease holds it (if that
                            // worker dies, the lease sweep takes over).
                            Ok(_) => true,
                            Err(e) => {
                                warn!(error = %e, "could not fail a dead-lettered job");
                                report.errors += 1;
                                false
                            }
                        }
                    }
                    Err(e) => {
                        warn!(error = %e, body = %letter.body, "unreadable dead letter removed");
                        true
                    }
                };
                if handled {
                    match self.dead_letters.delete(&letter.receipt_handle).await {
                        Ok(()) => report.dead_letters_removed += 1,
                        Err(e) => {
                            warn!(error = %e, "could not remove a dead letter");
                            report.errors += 1;
                        }
                    }
                }
            }
        }
    }
}

/// The sweep policy of a deployment: `KT_SWEEP_REQUEUE_SECONDS`,
/// `KT_SWEEP_MAX_REQUEUES`, and the worker's attempts.
pub fn policy_from(config: &Config) -> SweepPolicy {
    SweepPolicy {
        requeue_after: chrono::Duration::from_std(config.sweep_requeue_after)
            .unwrap_or(chrono::Duration::minutes(15)),
        max_requeues: config.sweep_max_requeues,
        max_attempts: MAX_ATTEMPTS,
        queue_backlogged: false,
    }
}

/// Runs a pass every `interval` until `stop` (the local stack's schedule).
pub async fn run_every(sweeper: &Sweeper, interval: Duration, stop: CancellationToken) {
    let mut ticks = tokio::time::interval(interval);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = ticks.tick() => { sweeper.run_once(Utc::now()).await; }
        }
    }
}
