//! Creates (idempotently) the resources of infra/template.yaml in the emulator.
//!
//! OWNER: aws helper.
