//! OWNER: engine helper (kt export run).
