//! End-to-end tests: the real hcprov binary and the real AWS SDK against
//! moto's standalone server on a loopback port. One test binary, many
//! modules (each extra binary would link the whole SDK again).

mod acceptance;
mod accounts;
mod aurora;
mod aurora_drift;
mod calls;
mod completeness;
mod crash;
mod dr;
mod drift;
mod emulator;
mod examples;
mod faults;
mod harness;
mod import;
mod inputs;
mod interrupt;
mod inventory;
mod operator;
mod outofband;
mod platform;
mod policy;
mod protections;
mod proxy;
mod real_aws;
mod remote_state;
mod replace_order;
mod replay;
mod replay_backups;
mod replay_data;
mod replay_dr;
mod replay_iam;
mod replay_s3;
mod replay_sns;
mod secrets;
mod security;
mod slice;
mod state_alone;
mod target;
mod transient;
