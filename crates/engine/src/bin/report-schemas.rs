//! Writes `schemas/compliance-*.schema.json` from the report types:
//! `cargo run -p kt-engine --bin report-schemas` (from anywhere in the repo).
use kt_engine::formats::reports::{Framework, schema};
use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas");
    for fw in Framework::ALL {
        let path = dir.join(schema::file_name(fw));
        std::fs::write(&path, schema::schema_bytes(fw))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
