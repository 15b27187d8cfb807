//! What a function exposes beyond its unpublished code: published versions
//! (each a frozen copy of code and configuration, with a resource policy of
//! its own), aliases (names for versions, each with its own policy and
//! function URL) and a function URL (an HTTPS endpoint, open to anyone
//! with auth type `NONE`). hcprov publishes none of them, so each is held
//! at none: a version, alias or URL made outside hcprov is drift, and
//! apply deletes it (and with it every permission and URL it carried).

use aws_sdk_lambda::Client;
use serde_json::{json, Value};

use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::{all_pages, attrs};
use crate::engine::resource::ResourceError;
use crate::engine::value::Attrs;

/// `published_versions`, `aliases` and `function_url` (its auth type) of
/// `function`, with `prior` the recorded attributes.
pub async fn observe(
    lambda: &Client,
    function: &str,
    prior: &Attrs,
) -> Result<Value, ResourceError> {
    let what = format!("reading the versions and aliases of Lambda function ({function})");
    let versions = async {
        let all = all_pages!(
            lambda.list_versions_by_function().function_name(function),
            versions,
            &what
        );
        Ok::<_, ResourceError>(
            all.iter()
                .filter_map(|v| v.version())
                .filter(|v| *v != "$LATEST")
                .map(str::to_string)
                .collect::<Vec<_>>(),
        )
    };
    let aliases = async {
        let all = all_pages!(
            lambda.list_aliases().function_name(function),
            aliases,
            &what
        );
        Ok::<_, ResourceError>(
            all.iter()
                .filter_map(|a| a.name())
                .map(str::to_string)
                .collect::<Vec<_>>(),
        )
    };
    let url = async {
        not_found_to_none(
            lambda
                .get_function_url_config()
                .function_name(function)
                .send()
                .await
                .ctx(&format!(
                    "reading the function URL of Lambda function ({function})"
                )),
        )
    };
    // The three at once: one round trip.
    let (versions, aliases, url) = tokio::join!(versions, aliases, url);
    let (versions, aliases, url) = (versions?, aliases?, url?);
    Ok(json!({
        "published_versions": attrs::owned_set(versions, prior.get("published_versions")),
        "aliases": attrs::owned_set(aliases, prior.get("aliases")),
        "function_url": url.map(|u| u.auth_type().as_str().to_string()),
    }))
}

/// Deletes the URL, aliases and versions `from` (live) holds beyond `to`:
/// aliases before the versions they name.
pub async fn restore(
    lambda: &Client,
    function: &str,
    from: &Attrs,
    to: &Attrs,
) -> Result<(), ResourceError> {
    if from.get("function_url") != to.get("function_url")
        && to.get("function_url").is_some_and(Value::is_null)
    {
        let r = lambda
            .delete_function_url_config()
            .function_name(function)
            .send()
            .await
            .ctx(&format!(
                "deleting the function URL made outside hcprov on Lambda function ({function})"
            ));
        ignore_not_found(r.map(|_| ()))?;
    }
    for alias in attrs::extras(from, to, "aliases") {
        let r = lambda
            .delete_alias()
            .function_name(function)
            .name(&alias)
            .send()
            .await
            .ctx(&format!(
                "deleting the alias {alias}, made outside hcprov, of Lambda function ({function})"
            ));
        ignore_not_found(r.map(|_| ()))?;
    }
    for version in attrs::extras(from, to, "published_versions") {
        let r = lambda
            .delete_function()
            .function_name(function)
            .qualifier(&version)
            .send()
            .await
            .ctx(&format!(
                "deleting version {version}, published outside hcprov, of Lambda function ({function})"
            ));
        ignore_not_found(r.map(|_| ()))?;
    }
    Ok(())
}
