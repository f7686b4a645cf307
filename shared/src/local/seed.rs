//! Demo events for the local stack (written by the lead once lakegen lands).
