//! OWNER: compliance helper (kt export-jobs verify).
