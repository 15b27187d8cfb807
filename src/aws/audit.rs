//! The drift audit: every field the SDK's read outputs carry, per resource
//! type, and what hcprov does with it.
//!
//! A field is *managed* (in the desired attributes, compared by drift and
//! restored by apply), *computed* (AWS sets or changes it by itself: ids,
//! timestamps, counters, minor-version upgrades; never drift) or *ignored*
//! with the reason. The field lists come from the SDK itself (the `Debug`
//! form of each output's builder names every member), so a test fails when
//! an SDK update adds a field nobody classified, and the README's table is
//! generated from here.

/// What hcprov does with one field of a read output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Compared by drift, restored by apply: the attribute(s) carrying it
    /// (comma-separated when one field feeds several).
    Managed(&'static str),
    /// Set or changed by AWS itself; never drift.
    Computed,
    /// Deliberately not compared, with the reason.
    Ignored(&'static str),
}

/// One output shape a refresh reads, with its fields classified.
pub struct Shape {
    /// The API call that returns it (`DescribeKey`).
    pub call: &'static str,
    /// The SDK shape's name (`KeyMetadata`).
    pub shape: &'static str,
    /// The `Debug` form of an empty builder of the shape: names every field.
    pub debug: fn() -> String,
    /// The classification of every field.
    pub fields: &'static [(&'static str, Class)],
}

/// The audit of one resource type.
pub struct Audit {
    /// The resource kind (`kms_key`).
    pub kind: &'static str,
    /// The shapes its refresh reads.
    pub shapes: Vec<Shape>,
}

/// The `Debug` form of `builder`: what [`Shape::debug`] returns.
pub fn debug_of<T: std::fmt::Debug>(builder: T) -> String {
    format!("{builder:?}")
}

impl Shape {
    /// Every field the SDK gives the shape, read from the `Debug` form of
    /// an empty builder (`XBuilder { a: None, b: None }`). Fields named
    /// with a leading underscore (the request id) are not settings.
    pub fn sdk_fields(&self) -> Vec<String> {
        let text = (self.debug)();
        let body = text
            .split_once('{')
            .and_then(|(_, rest)| rest.rsplit_once('}'))
            .map(|(b, _)| b)
            .unwrap_or("");
        body.split(',')
            .filter_map(|part| part.split_once(':').map(|(name, _)| name.trim()))
            .filter(|name| !name.is_empty() && !name.starts_with('_'))
            .map(str::to_string)
            .collect()
    }
}

/// Every resource type's audit.
pub fn all() -> Vec<Audit> {
    let mut all = Vec::new();
    all.extend(super::acm::audit::audits());
    all.extend(super::apigateway::audit::audits());
    all.extend(super::apigatewayv2::audit::audits());
    all.extend(super::backup::audit::audits());
    all.extend(super::cloudtrail::audit::audits());
    all.extend(super::cloudwatch::audit::audits());
    all.extend(super::dynamodb::audit::audits());
    all.extend(super::ec2::audit::audits());
    all.extend(super::elasticache::audit::audits());
    all.extend(super::events::audit::audits());
    all.extend(super::iam::audit::audits());
    all.extend(super::kms::audit::audits());
    all.extend(super::lambda::audit::audits());
    all.extend(super::logs::audit::audits());
    all.extend(super::rds::audit::audits());
    all.extend(super::route53::audit::audits());
    all.extend(super::s3::audit::audits());
    all.extend(super::secretsmanager::audit::audits());
    all.extend(super::sns::audit::audits());
    all
}

/// The README's audit section: per type, the calls its refresh makes and
/// every field of their answers by class.
pub fn readme() -> String {
    use std::fmt::Write;
    let mut audits = all();
    audits.sort_by_key(|a| a.kind);
    let mut out = String::new();
    for a in &audits {
        let calls: Vec<&str> = a.shapes.iter().map(|s| s.call).collect();
        let _ = writeln!(out, "**`{}`** ({})", a.kind, calls.join(", "));
        let (mut managed, mut computed, mut ignored) = (vec![], vec![], vec![]);
        for s in &a.shapes {
            for (field, class) in s.fields {
                let name = format!("{}.{field}", s.shape);
                match class {
                    Class::Managed(attr) if attr == field => managed.push(format!("`{name}`")),
                    Class::Managed(attr) => managed.push(format!("`{name}` → `{attr}`")),
                    Class::Computed => computed.push(format!("`{name}`")),
                    Class::Ignored(why) => ignored.push(format!("`{name}` ({why})")),
                }
            }
        }
        for (label, list) in [
            ("managed", managed),
            ("computed", computed),
            ("ignored", ignored),
        ] {
            if !list.is_empty() {
                let _ = writeln!(out, "- {label}: {}", list.join(", "));
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::sync::Arc;

    use super::*;
    use crate::aws::Aws;
    use crate::config::Config;
    use crate::stack::{blueprint, Account};

    /// Every attribute each kind's nodes plan, over the shipped examples.
    fn planned() -> BTreeMap<String, BTreeSet<String>> {
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for platform in ["serverless-api", "aurora-redis-api", "multi-region-dr"] {
            let path = format!("{}/examples/{platform}.toml", env!("CARGO_MANIFEST_DIR"));
            let cfg = Config::load(std::path::Path::new(&path)).unwrap();
            let dr = platform == "multi-region-dr";
            let zones = |r: &str, n: u8| {
                (0..n)
                    .map(|i| format!("{r}{}", (b'a' + i) as char))
                    .collect()
            };
            let account = Account {
                id: "123456789012".into(),
                partition: "aws".into(),
                zones: zones("us-east-1", if dr { 3 } else { 2 }),
                secondary_zones: if dr { zones("us-west-2", 3) } else { vec![] },
            };
            for n in blueprint(&cfg, &account).unwrap().nodes {
                let keys = out.entry(n.kind().to_string()).or_default();
                let attrs = n.attrs();
                for (k, v) in attrs.iter() {
                    keys.insert(k.clone());
                    // Settings inside an object or a list of objects: `rules.id`.
                    let inner = match v {
                        serde_json::Value::Array(items) => items.iter().collect(),
                        other => vec![other],
                    };
                    for o in inner.into_iter().filter_map(serde_json::Value::as_object) {
                        keys.extend(o.keys().map(|sub| format!("{k}.{sub}")));
                    }
                }
            }
        }
        out
    }

    #[test]
    fn every_registered_type_is_audited_once() {
        let aws = Arc::new(Aws::from_config(
            aws_types::SdkConfig::builder().build(),
            false,
        ));
        let registered = crate::aws::registry(&aws).kinds();
        let mut audited: Vec<&str> = all().iter().map(|a| a.kind).collect();
        audited.sort_unstable();
        assert_eq!(audited, registered);
    }

    #[test]
    fn every_field_of_every_read_output_is_classified() {
        let mut problems = vec![];
        for a in all() {
            for s in &a.shapes {
                let sdk: Vec<String> = s.sdk_fields();
                assert!(!sdk.is_empty(), "{}: {} has no fields", a.kind, s.shape);
                let ours: Vec<&str> = s.fields.iter().map(|(f, _)| *f).collect();
                for f in &sdk {
                    if !ours.contains(&f.as_str()) {
                        problems.push(format!("{} {}.{f}: not classified", a.kind, s.shape));
                    }
                }
                for f in &ours {
                    if !sdk.iter().any(|x| x == f) {
                        problems.push(format!(
                            "{} {}.{f}: not a field of the SDK shape",
                            a.kind, s.shape
                        ));
                    }
                    if ours.iter().filter(|x| *x == f).count() > 1 {
                        problems.push(format!("{} {}.{f}: classified twice", a.kind, s.shape));
                    }
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn managed_fields_name_attributes_the_blueprints_plan() {
        let planned = planned();
        let mut problems = vec![];
        for a in all() {
            let Some(attrs) = planned.get(a.kind) else {
                continue;
            };
            // Read when present, declared only by configurations the
            // examples do not use (alias records for a custom domain).
            let optional = [("route53_record", "alias")];
            for s in &a.shapes {
                for (field, class) in s.fields {
                    if let Class::Managed(list) = class {
                        for attr in list.split(',').map(str::trim) {
                            if !attrs.contains(attr) && !optional.contains(&(a.kind, attr)) {
                                problems.push(format!(
                                    "{} {}.{field}: managed as `{attr}`, which no {} node plans",
                                    a.kind, s.shape, a.kind
                                ));
                            }
                        }
                    }
                    if let Class::Ignored(why) = class {
                        assert!(why.len() > 10, "{} {}.{field}: say why", a.kind, s.shape);
                    }
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn the_readme_carries_the_audit() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
        let section = text
            .split_once("<!-- audit:begin -->\n")
            .and_then(|(_, rest)| rest.split_once("<!-- audit:end -->"))
            .map(|(s, _)| s)
            .expect("README has the audit markers");
        if section != readme() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/target/audit.md");
            std::fs::write(path, readme()).unwrap();
            panic!("the README's audit section is stale: the current one is in {path}");
        }
    }
}
