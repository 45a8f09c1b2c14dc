//! One page per file. Each renders completely on the server; the browser hydrates it.

pub mod home;
pub mod not_found;
pub mod room;

mod composer;
mod live;
mod message_list;
mod account_forms;
mod sidebar;
