//! Finding what an interrupted create made (see `ResourceType::find`), for
//! the types whose id the desired attributes fix (a name, or a parent plus
//! a name): the object under that id, unless its identity tags say it
//! belongs to another address or another state.

use super::{attrs, tags};
use crate::engine::resource::{Ctx, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// The object with id `id`, if it exists and may be ours.
pub async fn by_id<R: ResourceType + ?Sized>(
    rt: &R,
    ctx: &Ctx,
    id: &str,
    attrs: &Attrs,
) -> Result<Vec<String>, ResourceError> {
    Ok(match rt.read(ctx, id, attrs).await? {
        Some(live) if tags::claims(attrs, &live.attrs) => vec![id.to_string()],
        _ => vec![],
    })
}

/// `find` for types whose create is an idempotent put: doing it again
/// changes nothing, so there is nothing to look for.
pub fn idempotent() -> Result<Vec<String>, ResourceError> {
    Ok(vec![])
}

/// The id of a child object: the named attributes joined by `/`
/// (`rest_api_id/stage_name`), as its create returns it.
pub fn joined(a: &Attrs, keys: &[&str]) -> Result<String, ResourceError> {
    let parts: Result<Vec<&str>, ResourceError> = keys.iter().map(|k| attrs::str(a, k)).collect();
    Ok(parts?.join("/"))
}
