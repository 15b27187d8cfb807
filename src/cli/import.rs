//! `hcprov import ADDRESS ID`: brings an object that already exists under
//! hcprov, recorded at an address of the configuration, so the next plan
//! shows only how it differs from the configuration (tags to add, settings
//! to change), never a create of a twin.

use std::sync::Arc;

use anyhow::{bail, Result};
use serde_json::Value;

use super::{same_account, Cli, Session, EXIT_OK};
use crate::engine::resource::{Ctx, Stats};
use crate::engine::state::{ResourceState, State};
use crate::engine::value::{is_observed, references, resolve_attrs, Reference};

/// Options of `import`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The address in the configuration (`ec2_vpc.main`).
    pub address: String,
    /// The object's id, as hcprov records it for that type (`vpc-0abc…`,
    /// a bucket's name, a role's name, …; `hcprov state list` shows
    /// others).
    pub id: String,
}

pub(super) async fn run(cli: &Cli, args: &Args) -> Result<u8> {
    let s = Session::open(cli).await?;
    let _lock = s.store.lock("import").await?;
    let (state, fresh) = s.load_state().await?;
    let mut state = if fresh {
        State::new(&s.cfg.environment)
    } else {
        state
    };
    let (address, id) = (&args.address, &args.id);
    if let Some(r) = state.resources.get(address) {
        bail!("the state already manages {address} (id {}); nothing was changed: to import another object there, `hcprov state rm {address}` first", r.id);
    }
    let identity = s.announce(false).await?;
    same_account(&state, &identity, &s.store.describe())?;
    let (graph, _) = s.blueprint(&state).await?;
    let Some(node) = graph.get(address) else {
        bail!("{address} is not part of the configuration; nothing was changed: import to an address `hcprov plan` would create");
    };
    let kind = node.kind().to_string();
    if let Some(other) = state
        .resources
        .values()
        .find(|r| r.kind == kind && r.id == *id && r.region == node.region)
    {
        bail!(
            "{id} is already managed as {}; nothing was changed",
            other.address
        );
    }
    let rt = s.registry.get(&kind)?;
    if let Some(why) = rt.not_importable() {
        bail!("{kind} cannot be imported: {why}");
    }
    let attrs = resolve_attrs(&node.attrs(), &|r: &Reference| state.value_of(r));
    let ctx = Ctx::new(address, &node.region, Arc::new(Stats::default()), None);
    let live = match rt.read(&ctx, id, &attrs).await {
        Ok(live) => live,
        Err(e) => {
            let mut missing = vec![];
            for v in node.attrs().values() {
                references(v, &mut missing);
            }
            missing.retain(|r| !state.resources.contains_key(&r.address));
            if missing.is_empty() {
                bail!(
                    "reading {kind} {id} in {}: {e}; nothing was changed",
                    node.region
                );
            }
            let names: Vec<String> = missing.iter().map(|r| r.address.clone()).collect();
            bail!("reading {kind} {id} needs {}, which the state does not hold yet: import (or apply) {} first; nothing was changed ({e})", names.join(", "), if names.len() == 1 { "it" } else { "them" });
        }
    };
    let Some(mut live) = live else {
        bail!(
            "there is no {kind} with id {id} in {} (account {}); nothing was changed",
            node.region,
            identity.account
        );
    };
    // Another hcprov environment's object, or another account's, is not
    // this one's to take over.
    let lineage = live
        .attrs
        .get("tags")
        .and_then(|t| t.get(crate::aws::tags::LINEAGE_TAG))
        .and_then(Value::as_str);
    if let Some(l) = lineage.filter(|l| *l != state.lineage) {
        bail!("{id} belongs to another hcprov state (lineage {l}); nothing was changed: remove it there first (`hcprov state rm`), or import it into that one");
    }
    let owner = live
        .outputs
        .get("arn")
        .and_then(Value::as_str)
        .and_then(|a| a.split(':').nth(4))
        .filter(|a| !a.is_empty());
    if let Some(o) = owner.filter(|o| *o != identity.account) {
        bail!(
            "{id} belongs to account {o}, not {}; nothing was changed",
            identity.account
        );
    }
    // What only hcprov's own change sets (an AUTH token from its secret)
    // is not taken from what is there: the next apply redoes it.
    for (k, _) in node.attrs().iter().filter(|(_, v)| is_observed(v)) {
        live.attrs.remove(k);
    }
    let mut outputs = live.outputs;
    outputs.insert("id".into(), Value::String(id.clone()));
    let backup = s.store.backup().await?;
    if state.disposable.is_none() {
        // What existed before hcprov is protected until `apply --unprotect`.
        state.disposable = Some(false);
    }
    state.resources.insert(
        address.clone(),
        ResourceState {
            address: address.clone(),
            kind,
            region: node.region.clone(),
            id: id.clone(),
            attributes: live.attrs.into(),
            outputs: outputs.into(),
            // What the state holds of them: the rest is recorded when the
            // next apply makes it.
            dependencies: node
                .dependencies()
                .into_iter()
                .filter(|d| state.resources.contains_key(d))
                .collect(),
        },
    );
    state.account = Some(identity.account);
    state.serial += 1;
    s.store.write(&state).await?;
    println!(
        "Imported {id} as {address}.{} Run `hcprov plan` to see how it differs from the configuration.",
        backup.map(|b| format!(" Backup: {b}.")).unwrap_or_default()
    );
    Ok(EXIT_OK)
}
