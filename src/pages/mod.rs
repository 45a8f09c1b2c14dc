//! One page per file (the room page, with its components, per folder). Each renders completely
//! on the server; the browser hydrates it.

pub mod account;
pub mod admin;
pub mod attach;
pub mod home;
pub mod not_found;
pub mod react;
pub mod room;
pub mod search;

mod account_forms;
