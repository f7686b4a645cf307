//! Integration tests against the local AWS emulator (`localstack/start-moto`).
//! One binary, so the emulator client and fixtures are shared.
mod api;
mod app;
mod compliance;
mod custody;
mod exports;
mod faults;
mod retention;
mod stores;
mod worker;
