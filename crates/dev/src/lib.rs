//! Local stack support: create the emulator's resources, seed demo events,
//! and run the API and the worker together, as `kt-local up` and the
//! integration tests do.
pub mod bootstrap;
#[cfg(test)]
mod iam_check;
pub mod seed;
mod stack;
#[cfg(test)]
mod template_check;

pub use stack::{LOCAL_SWEEP_REQUEUE_AFTER, LocalStack};
