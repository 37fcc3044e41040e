//! llmgw's integration tests: one test binary (`cargo test --test cli`), one file per feature.
//!
//! Every spec runs the real `llmgw` binary (see `support::llmgw`) against local servers that speak the providers'
//! real wire formats (`support::bedrock`), so the AWS SDK itself is in the loop.
//!
//! To add a spec file: create `tests/cli/<feature>.rs` and add `mod <feature>;` below, then
//! `use crate::support::{...};` in it. Do not put spec files directly in `tests/`: Cargo builds every
//! `tests/*.rs` as a separate test binary, which would not see `support` and would compile and link it again.

#[path = "../support/mod.rs"]
mod support;

mod attach;
mod bedrock_chat;
mod bedrock_errors;
mod bedrock_stream;
mod cache;
mod capabilities;
mod check;
mod completions;
mod config;
mod conv;
mod conv_concurrency;
mod embed;
mod fallback;
mod health;
mod image;
mod kept_files;
mod limits;
mod metrics;
mod models;
mod offline;
mod openai_chat;
mod openai_conv;
mod openai_errors;
mod openai_stream;
mod report;
mod secrets;
mod server_selftest;
