//! Integration tests against the local AWS emulator (`localstack/start-moto`).
//! One binary, so the emulator client and fixtures are shared.
mod api;
mod app;
mod checkpoint;
mod compliance;
mod custody;
mod exports;
mod fanout;
mod fanout_cap;
mod faults;
mod offline;
mod retention;
mod share;
mod stores;
mod timestamp;
mod worker;
