//! Integration tests: each starts the real server on port 0 with a fresh database and talks to it
//! over HTTP and through a real socket.io client (rust_socketio), as a browser or a bot would.

mod accounts;
mod admin;
mod assistant;
mod authorization;
mod avatars;
mod backup;
mod binary;
mod burst;
mod changes;
mod cluster;
mod config;
mod fake_openai;
mod faults;
mod files;
mod formatting;
mod fuzz;
mod helpers;
mod hostile;
mod http_fuzz;
mod logs;
mod messages;
mod metrics;
mod moderation;
mod pages;
mod payloads;
mod presence;
mod replies;
mod rest;
mod rooms;
mod search;
mod security;
