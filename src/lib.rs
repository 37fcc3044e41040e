//! llmgw: one command-line gateway in front of many LLM providers.
//!
//! The binary (`main.rs`) is a thin shell around this library: `cli` parses argv and renders results, everything
//! else returns values. The design has three seams: a [`provider`] knows how to reach a service (auth, endpoint,
//! transport, errors), a [`codec`] knows one model family's wire format (a vendor, in the catalogue's words, is who
//! makes a model), and the [`store`] keeps conversations and request records. The [`gateway`] runs one request
//! from end to end through them; see docs/architecture.md for the path of one request.

pub mod cli;
pub mod codec;
pub mod config;
pub mod error;
pub mod files;
pub mod gateway;
pub mod provider;
pub mod report;
pub mod store;
pub mod time;
pub mod types;

pub use error::{Error, Result};
