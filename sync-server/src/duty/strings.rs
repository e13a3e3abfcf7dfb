//! Bounds on what people type, so a device cannot carry a novel to every
//! phone in the street office inside a case title.

use gridpatrol_core::codes::ErrorCode;

use crate::error::{ServerError, refuse};

pub const TITLE: usize = 200;
pub const DESCRIPTION: usize = 4000;
pub const ADDRESS: usize = 500;
pub const NOTE: usize = 2000;
pub const ID: usize = 80;
/// Links to related cases, photos per event, team members.
pub const LIST: usize = 50;

/// Refuses `s` if it is longer than `max` characters.
pub fn at_most(s: &str, max: usize, what: &str) -> Result<(), ServerError> {
    if s.chars().count() > max {
        return Err(refuse(ErrorCode::TooLarge, format!("{what} is longer than {max} characters")));
    }
    Ok(())
}

/// Refuses a list longer than `max`.
pub fn few<T>(items: &[T], max: usize, what: &str) -> Result<(), ServerError> {
    if items.len() > max {
        return Err(refuse(ErrorCode::TooLarge, format!("more than {max} {what}")));
    }
    Ok(())
}
