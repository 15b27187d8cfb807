//! The drift audit of the API Gateway (REST) types (see `aws::audit`).

use aws_sdk_apigateway::operation::{get_deployment, get_rest_api, get_stage};
use aws_sdk_apigateway::types::{EndpointConfiguration, Integration, Method, Resource};

use crate::aws::audit::Class::{Computed as C, Ignored as I, Managed as M};
use crate::aws::audit::{debug_of, Audit, Shape};

/// Every API Gateway (REST) type's audit.
pub fn audits() -> Vec<Audit> {
    vec![
        Audit {
            kind: "apigateway_rest_api",
            shapes: vec![
                Shape {
                    call: "GetRestApi",
                    shape: "GetRestApiOutput",
                    debug: || debug_of(get_rest_api::GetRestApiOutput::builder()),
                    fields: &[
                        ("id", C),
                        ("name", M("name")),
                        ("description", M("description")),
                        ("created_date", C),
                        ("version", I("a free-form version label; hcprov sets none and API Gateway serves the same either way")),
                        ("warnings", C),
                        ("binary_media_types", I("hcprov's APIs carry JSON only and declare no binary media types; they change payload encoding, not who may call")),
                        ("minimum_compression_size", I("response compression is off unless set; it changes payload encoding, not access")),
                        ("api_key_source", I("hcprov's methods require no API key (AWS_IAM authorization), so where keys would be read from has no effect")),
                        ("endpoint_configuration", M("endpoint_types")),
                        ("policy", M("policy")),
                        ("tags", M("tags")),
                        ("disable_execute_api_endpoint", M("disable_execute_api_endpoint")),
                        ("root_resource_id", C),
                        ("security_policy", M("security_policy")),
                        ("endpoint_access_mode", M("endpoint_access_mode")),
                        ("api_status", C),
                        ("api_status_message", C),
                    ],
                },
                Shape {
                    call: "GetRestApi",
                    shape: "EndpointConfiguration",
                    debug: || debug_of(EndpointConfiguration::builder()),
                    fields: &[
                        ("types", M("endpoint_types")),
                        ("ip_address_type", M("ip_address_type")),
                        ("vpc_endpoint_ids", I("only a PRIVATE API has VPC endpoints, and AWS refuses them on others: making the API PRIVATE already shows as endpoint_types drift")),
                    ],
                },
            ],
        },
        Audit {
            kind: "apigateway_resource",
            shapes: vec![Shape {
                call: "GetResources (embed=methods)",
                shape: "Resource",
                debug: || debug_of(Resource::builder()),
                fields: &[
                    ("id", C),
                    ("parent_id", M("parent_id")),
                    ("path_part", M("path_part")),
                    ("path", C),
                    ("resource_methods", I("each method is its own apigateway_method node; methods nobody declared are a set gap (group2-gaps.md), not an attribute of the resource")),
                ],
            }],
        },
        Audit {
            kind: "apigateway_method",
            shapes: vec![Shape {
                call: "GetResources (embed=methods)",
                shape: "Method",
                debug: || debug_of(Method::builder()),
                fields: &[
                    ("http_method", M("http_method")),
                    ("authorization_type", M("authorization")),
                    ("authorizer_id", I("only used with CUSTOM or COGNITO_USER_POOLS authorization; a switch to either shows as authorization drift")),
                    ("api_key_required", M("api_key_required")),
                    ("request_validator_id", I("hcprov declares no request models or validators: the handler validates its input")),
                    ("operation_name", I("a label for generated SDKs; no effect on serving")),
                    ("request_parameters", I("hcprov declares no method request parameters: the proxy integration passes the whole request")),
                    ("request_models", I("hcprov declares no request models: the handler validates its input")),
                    ("method_responses", I("an AWS_PROXY integration returns the function's response as it is; method responses only shape non-proxy integrations")),
                    ("method_integration", I("the apigateway_integration node reads and compares it")),
                    ("authorization_scopes", I("only used with COGNITO_USER_POOLS authorization; a switch to it shows as authorization drift")),
                ],
            }],
        },
        Audit {
            kind: "apigateway_integration",
            shapes: vec![Shape {
                call: "GetResources (embed=methods)",
                shape: "Integration",
                debug: || debug_of(Integration::builder()),
                fields: &[
                    ("type", M("type")),
                    ("http_method", M("integration_http_method")),
                    ("uri", M("uri")),
                    ("connection_type", I("INTERNET for a Lambda proxy; VPC_LINK needs an HTTP integration, which shows as type drift")),
                    ("connection_id", I("only for VPC_LINK connections, which a Lambda proxy cannot use")),
                    ("credentials", M("credentials")),
                    ("request_parameters", M("request_parameters")),
                    ("request_templates", I("mapping templates only apply to non-proxy integrations; AWS_PROXY passes the request as it is")),
                    ("passthrough_behavior", I("only applies to non-proxy integrations with mapping templates")),
                    ("content_handling", I("payload encoding conversion only; hcprov's payloads are JSON text")),
                    ("timeout_in_millis", M("timeout_ms")),
                    ("cache_namespace", C),
                    ("cache_key_parameters", I("no cache cluster runs on hcprov's stages (see cache_cluster_enabled), so cache keys have no effect")),
                    ("integration_responses", I("an AWS_PROXY integration returns the function's response as it is; integration responses only apply to non-proxy integrations")),
                    ("tls_config", I("only for HTTP integrations' certificate checks; a Lambda proxy has no TLS backend, and a switch to HTTP shows as type drift")),
                    ("response_transfer_mode", I("buffered or streamed delivery of the same response; no effect on access")),
                    ("integration_target", I("only for VPC_LINK integrations to a load balancer, which hcprov never uses")),
                ],
            }],
        },
        Audit {
            kind: "apigateway_deployment",
            shapes: vec![Shape {
                call: "GetDeployment",
                shape: "GetDeploymentOutput",
                debug: || debug_of(get_deployment::GetDeploymentOutput::builder()),
                fields: &[
                    ("id", C),
                    ("description", M("description")),
                    ("created_date", C),
                    ("api_summary", C),
                ],
            }],
        },
        Audit {
            kind: "apigateway_stage",
            shapes: vec![Shape {
                call: "GetStage",
                shape: "GetStageOutput",
                debug: || debug_of(get_stage::GetStageOutput::builder()),
                fields: &[
                    ("deployment_id", M("deployment_id")),
                    ("client_certificate_id", I("a client certificate authenticates API Gateway to HTTP backends; hcprov's only backend is Lambda, which never sees it")),
                    ("stage_name", M("stage_name")),
                    ("description", I("hcprov sets no stage description; a label only")),
                    ("cache_cluster_enabled", M("cache_cluster_enabled")),
                    ("cache_cluster_size", I("only matters while a cache runs, which cache_cluster_enabled is to compare")),
                    ("cache_cluster_status", C),
                    ("method_settings", M("method_settings")),
                    ("variables", I("hcprov's integration URIs reference no stage variables, so none has an effect")),
                    ("documentation_version", I("a documentation snapshot label; no effect on serving")),
                    ("access_log_settings", M("access_log_settings")),
                    ("canary_settings", M("canary_settings")),
                    ("tracing_enabled", M("tracing_enabled")),
                    ("web_acl_arn", I("an association made by AWS WAF (wafv2 AssociateWebACL), not a stage setting: hcprov manages no WAF, and one added only filters requests; the README names it as a limit")),
                    ("tags", M("tags")),
                    ("created_date", C),
                    ("last_updated_date", C),
                ],
            }],
        },
    ]
}
