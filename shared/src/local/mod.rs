//! Local stack support: create the emulator's resources, seed demo events.
pub mod bootstrap;
#[cfg(test)]
mod template_check;
