//! One page per file. Each renders completely on the server; the browser hydrates it.

pub mod account;
pub mod home;
pub mod not_found;
pub mod room;

mod account_forms;
mod composer;
mod live;
mod members;
mod message_list;
mod sidebar;
