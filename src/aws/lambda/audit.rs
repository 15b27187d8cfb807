//! The drift audit of the Lambda types (see `aws::audit`).

use aws_sdk_lambda::operation::{
    get_function, get_function_url_config, get_policy, list_aliases, list_versions_by_function,
};
use aws_sdk_lambda::types::{
    EnvironmentResponse, FunctionCodeLocation, FunctionConfiguration, VpcConfigResponse,
};

use crate::aws::audit::Class::{Computed as C, Ignored as I, Managed as M};
use crate::aws::audit::{debug_of, Audit, Shape};

/// Every Lambda type's audit.
pub fn audits() -> Vec<Audit> {
    vec![
        Audit {
            kind: "lambda_function",
            shapes: vec![
                Shape {
                    call: "GetFunction",
                    shape: "GetFunctionOutput",
                    debug: || debug_of(get_function::GetFunctionOutput::builder()),
                    fields: &[
                        ("configuration", M("role,handler,runtime,timeout,memory_size,environment,vpc_config,source_code_hash")),
                        ("code", M("source_kms_key_arn")),
                        ("tags", M("tags")),
                        ("tags_error", C),
                        ("concurrency", M("reserved_concurrent_executions")),
                    ],
                },
                Shape {
                    call: "GetFunction",
                    shape: "FunctionConfiguration",
                    debug: || debug_of(FunctionConfiguration::builder()),
                    fields: &[
                        ("function_name", I("the lookup key: read reports function_name from the id it asked for")),
                        ("function_arn", C),
                        ("runtime", M("runtime")),
                        ("role", M("role")),
                        ("handler", M("handler")),
                        ("code_size", C),
                        ("description", I("hcprov sets no description; a label only")),
                        ("timeout", M("timeout")),
                        ("memory_size", M("memory_size")),
                        ("last_modified", C),
                        ("code_sha256", M("source_code_hash")),
                        ("version", C),
                        ("vpc_config", M("vpc_config")),
                        ("dead_letter_config", M("dead_letter_target_arn")),
                        ("environment", M("environment")),
                        ("kms_key_arn", M("kms_key_arn")),
                        ("tracing_config", M("tracing_mode")),
                        ("master_arn", C),
                        ("revision_id", C),
                        ("layers", M("layers")),
                        ("state", C),
                        ("state_reason", C),
                        ("state_reason_code", C),
                        ("last_update_status", C),
                        ("last_update_status_reason", C),
                        ("last_update_status_reason_code", C),
                        ("file_system_configs", M("file_system_configs")),
                        ("signing_profile_version_arn", C),
                        ("signing_job_arn", C),
                        ("package_type", I("always Zip for functions hcprov creates; fixed at creation")),
                        ("image_config_response", I("only for container-image functions, which hcprov never creates")),
                        ("architectures", I("the packages are pure Python (lambdas/requirements.txt pins pure-Python wheels), so x86_64 and arm64 run them alike; changing it takes a code upload")),
                        ("ephemeral_storage", I("a /tmp size, not an access setting; the handlers write no files")),
                        ("snap_start", I("SnapStart only applies to published versions; hcprov invokes $LATEST and publishes none")),
                        ("runtime_version_config", C),
                        ("logging_config", M("logging_config")),
                        ("tenancy_config", I("tenant isolation is fixed at creation, and hcprov creates functions without it")),
                        ("capacity_provider_config", M("capacity_provider_config")),
                        ("config_sha256", C),
                        ("durable_config", M("durable_config")),
                    ],
                },
                Shape {
                    call: "GetFunction",
                    shape: "FunctionCodeLocation",
                    debug: || debug_of(FunctionCodeLocation::builder()),
                    fields: &[
                        ("repository_type", C),
                        ("location", C),
                        ("image_uri", I("only for container-image functions, which hcprov never creates")),
                        ("resolved_image_uri", C),
                        ("resolved_s3_object", C),
                        ("source_kms_key_arn", M("source_kms_key_arn")),
                        ("error", C),
                    ],
                },
                Shape {
                    call: "GetFunction",
                    shape: "EnvironmentResponse",
                    debug: || debug_of(EnvironmentResponse::builder()),
                    fields: &[("variables", M("environment")), ("error", C)],
                },
                Shape {
                    call: "GetFunction",
                    shape: "VpcConfigResponse",
                    debug: || debug_of(VpcConfigResponse::builder()),
                    fields: &[
                        ("subnet_ids", M("vpc_config")),
                        ("security_group_ids", M("vpc_config")),
                        ("vpc_id", C),
                        ("ipv6_allowed_for_dual_stack", M("vpc_config")),
                    ],
                },
                Shape {
                    call: "GetPolicy",
                    shape: "GetPolicyOutput",
                    debug: || debug_of(get_policy::GetPolicyOutput::builder()),
                    fields: &[
                        ("policy", M("permission_sids")),
                        ("revision_id", C),
                    ],
                },
                Shape {
                    call: "ListVersionsByFunction",
                    shape: "ListVersionsByFunctionOutput",
                    debug: || debug_of(list_versions_by_function::ListVersionsByFunctionOutput::builder()),
                    fields: &[
                        ("versions", M("published_versions")), // each version's number; $LATEST is the function itself
                        ("next_marker", C),
                    ],
                },
                Shape {
                    call: "ListAliases",
                    shape: "ListAliasesOutput",
                    debug: || debug_of(list_aliases::ListAliasesOutput::builder()),
                    fields: &[
                        ("aliases", M("aliases")), // by name: hcprov declares none, so any alias goes whole
                        ("next_marker", C),
                    ],
                },
                Shape {
                    call: "GetFunctionUrlConfig",
                    shape: "GetFunctionUrlConfigOutput",
                    debug: || debug_of(get_function_url_config::GetFunctionUrlConfigOutput::builder()),
                    fields: &[
                        ("function_url", C),
                        ("function_arn", C),
                        ("auth_type", M("function_url")), // hcprov declares no URL: any URL goes whole
                        ("cors", I("only acts while a URL exists, and function_url (managed: none) reports the URL")),
                        ("creation_time", C),
                        ("last_modified_time", C),
                        ("invoke_mode", I("only acts while a URL exists, and function_url (managed: none) reports the URL")),
                    ],
                },
            ],
        },
        Audit {
            kind: "lambda_permission",
            shapes: vec![Shape {
                call: "GetPolicy",
                shape: "GetPolicyOutput",
                debug: || debug_of(get_policy::GetPolicyOutput::builder()),
                fields: &[
                    ("policy", M("statement_id,action,principal,source_arn")),
                    ("revision_id", C),
                ],
            }],
        },
    ]
}
