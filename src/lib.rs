//! llmgw: one command-line gateway in front of many LLM providers.
//!
//! The binary (`main.rs`) is a thin shell around this library: `cli` parses argv and renders results, everything
//! else returns values. The design has three seams: a [`provider`] knows how to reach a service (auth, endpoint,
//! transport, errors), a [`vendor`] adapter knows one model family's native body format, and the [`store`] keeps
//! conversations and request records (a request without a conversation appends its record to the [`spool`] beside
//! the database, which the store takes in by the hundred). The [`gateway`] ties them together for one request.

pub mod cli;
pub mod config;
pub mod error;
pub mod gateway;
pub mod provider;
pub mod spool;
pub mod store;
pub mod types;
pub mod vendor;

pub use error::{Error, Result};
