//! hcprov: provisions a HIPAA-grade healthcare platform on AWS directly
//! through the AWS SDK for Rust.

pub mod engine;
