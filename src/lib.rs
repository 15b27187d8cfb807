//! hcprov: provisions a HIPAA-grade healthcare platform on AWS directly
//! through the AWS SDK for Rust.

pub mod aws;
pub mod cli;
pub mod config;
pub mod engine;
pub mod policy;
pub mod stack;
