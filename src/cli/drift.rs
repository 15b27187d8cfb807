//! `hcprov drift`: read every resource in the state back from AWS and report
//! how it differs from what was last applied. Never writes the state.

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::Result;
use serde::Serialize;

use super::{render, Cli, Session, EXIT_CHANGES, EXIT_ERROR, EXIT_OK};
use crate::aws::orphans::{self, Untracked};
use crate::engine::plan::{drift_report, Drift, DriftStatus};

/// Options of `drift`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the report as JSON (schema in the README).
    #[arg(long)]
    pub json: bool,
}

/// Counts by status.
#[derive(Debug, Default, Serialize)]
pub struct Counts {
    /// Resources checked.
    pub total: usize,
    /// In sync.
    pub in_sync: usize,
    /// Modified outside hcprov.
    pub modified: usize,
    /// Deleted outside hcprov.
    pub deleted: usize,
    /// Could not be read.
    pub unreadable: usize,
    /// Objects tagged with this environment's lineage that the state does
    /// not hold.
    pub untracked: usize,
    /// Unwaived violations of the policy pack by the live objects.
    pub violations: usize,
}

/// API calls made by the run.
#[derive(Debug, Serialize)]
pub struct ApiCalls {
    /// All of them.
    pub total: u64,
    /// Per service.
    pub by_service: BTreeMap<String, u64>,
}

/// The drift report, `hcprov drift --json`.
#[derive(Debug, Serialize)]
pub struct Report {
    /// Report schema version.
    pub schema_version: u32,
    /// Unique id of this run.
    pub run_id: String,
    /// When the run started (RFC 3339, UTC).
    pub started_at: String,
    /// Wall time in milliseconds.
    pub duration_ms: u128,
    /// The environment.
    pub environment: String,
    /// The state file checked.
    pub state_path: String,
    /// Its lineage and serial.
    pub state_lineage: String,
    /// The state's serial.
    pub state_serial: u64,
    /// 0 clean, 2 drift, 1 some resource could not be checked.
    pub exit_code: u8,
    /// Counts by status.
    pub counts: Counts,
    /// Counts by status in each region (one entry for one region).
    pub by_region: std::collections::BTreeMap<String, Counts>,
    /// API calls made.
    pub api_calls: ApiCalls,
    /// Every resource, by address.
    pub resources: Vec<Drift>,
    /// Objects that carry this environment's lineage tag but are not in
    /// the state (`hcprov import` or delete them).
    pub untracked: Vec<Untracked>,
    /// Why the search for untracked objects failed, when it did (exit 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub untracked_error: Option<String>,
    /// The policy pack on the live objects: violations (each also drift,
    /// when it was applied compliant), waived findings, stale waivers.
    pub policy: serde_json::Value,
}

pub(super) async fn run(cli: &Cli, args: &Args) -> Result<u8> {
    let started = Instant::now();
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let s = Session::open_or_state(cli).await?;
    let (state, _, live) = s.read_live("check").await?;
    let resources = drift_report(&state, &live, None);
    let findings = super::policy::live(&s, &state, &live);
    let mut counts = Counts::default();
    let mut by_region: std::collections::BTreeMap<String, Counts> = Default::default();
    for d in &resources {
        for c in [&mut counts, by_region.entry(d.region.clone()).or_default()] {
            c.total += 1;
            match d.status {
                DriftStatus::InSync => c.in_sync += 1,
                DriftStatus::Modified => c.modified += 1,
                DriftStatus::Deleted => c.deleted += 1,
                DriftStatus::Unreadable => c.unreadable += 1,
            }
        }
    }
    counts.violations = findings.violations().count();
    let (untracked, untracked_error) = match find_untracked(&s, &state).await {
        Ok(u) => (u, None),
        Err(e) => (vec![], Some(e)),
    };
    counts.untracked = untracked.len();
    for u in &untracked {
        by_region.entry(u.region.clone()).or_default().untracked += 1;
    }
    let exit_code = if counts.unreadable > 0 || untracked_error.is_some() {
        EXIT_ERROR
    } else if counts.modified + counts.deleted + counts.violations + counts.untracked > 0 {
        EXIT_CHANGES
    } else {
        EXIT_OK
    };
    let report = Report {
        schema_version: 1,
        run_id: uuid::Uuid::new_v4().to_string(),
        started_at,
        duration_ms: started.elapsed().as_millis(),
        environment: state.environment.clone(),
        state_path: s.store.describe().to_string(),
        state_lineage: state.lineage.clone(),
        state_serial: state.serial,
        exit_code,
        counts,
        by_region,
        api_calls: ApiCalls {
            total: s.aws.calls.total(),
            by_service: s.aws.calls.snapshot(),
        },
        resources,
        untracked,
        untracked_error,
        policy: super::policy::json(&findings),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render::drift(&report));
        print!("{}", super::policy::render(&findings));
    }
    Ok(exit_code)
}

/// Every object in the state's regions tagged with its lineage that the
/// state does not hold, from the bulk tag read the refresh began with.
async fn find_untracked(
    s: &Session,
    state: &crate::engine::state::State,
) -> Result<Vec<Untracked>, String> {
    let mut all = vec![];
    for region in super::alone::all_regions(state, &s.cfg) {
        let found = s
            .aws
            .tag_cache
            .region(&region)
            .unwrap_or_else(|| Err(format!("{region} was not read")))?;
        for u in orphans::untracked(state, &region, found) {
            if !all.iter().any(|a: &Untracked| a.arn == u.arn) {
                all.push(u);
            }
        }
    }
    Ok(orphans::confirmed(&s.aws, all).await)
}
