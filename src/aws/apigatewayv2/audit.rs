//! The drift audit of the API Gateway v2 (HTTP API) types (see `aws::audit`).

use aws_sdk_apigatewayv2::operation::{
    get_api, get_api_mapping, get_domain_name, get_integration, get_route, get_stage,
};
use aws_sdk_apigatewayv2::types::{
    AccessLogSettings, Cors, DomainNameConfiguration, RouteSettings,
};

use crate::aws::audit::Class::{Computed as C, Ignored as I, Managed as M};
use crate::aws::audit::{debug_of, Audit, Shape};

/// Every API Gateway v2 type's audit.
pub fn audits() -> Vec<Audit> {
    vec![
        Audit {
            kind: "apigatewayv2_api",
            shapes: vec![
                Shape {
                    call: "GetApi",
                    shape: "GetApiOutput",
                    debug: || debug_of(get_api::GetApiOutput::builder()),
                    fields: &[
                        ("api_endpoint", C),
                        ("api_gateway_managed", C),
                        ("api_id", C),
                        ("api_key_selection_expression", I("only WebSocket APIs use API keys")),
                        ("cors_configuration", M("cors_configuration")),
                        ("created_date", C),
                        ("description", M("description")),
                        ("disable_schema_validation", I("only for WebSocket APIs")),
                        ("disable_execute_api_endpoint", M("disable_execute_api_endpoint")),
                        ("import_info", C),
                        ("ip_address_type", M("ip_address_type")),
                        ("name", M("name")),
                        ("protocol_type", M("protocol_type")),
                        ("route_selection_expression", I("fixed to ${request.method} ${request.path} for HTTP APIs")),
                        ("tags", M("tags")),
                        ("version", I("a free-form version label; no effect on serving")),
                        ("warnings", C),
                    ],
                },
                Shape {
                    call: "GetApi",
                    shape: "Cors",
                    debug: || debug_of(Cors::builder()),
                    fields: &[
                        ("allow_credentials", M("cors_configuration")),
                        ("allow_headers", M("cors_configuration")),
                        ("allow_methods", M("cors_configuration")),
                        ("allow_origins", M("cors_configuration")),
                        ("expose_headers", I("hcprov declares no CORS, so any CORS configuration added by hand already shows as cors_configuration drift; which response headers a browser may read only matters alongside allowed origins")),
                        ("max_age", I("how long browsers cache a preflight answer; the answer itself (origins, methods, headers, credentials) is compared")),
                    ],
                },
            ],
        },
        Audit {
            kind: "apigatewayv2_integration",
            shapes: vec![Shape {
                call: "GetIntegration",
                shape: "GetIntegrationOutput",
                debug: || debug_of(get_integration::GetIntegrationOutput::builder()),
                fields: &[
                    ("api_gateway_managed", C),
                    ("connection_id", I("only for VPC_LINK connections; a Lambda proxy has none")),
                    ("connection_type", I("INTERNET for a Lambda proxy; VPC_LINK needs an HTTP_PROXY integration, which shows as integration_type drift")),
                    ("content_handling_strategy", I("only for WebSocket APIs")),
                    ("credentials_arn", M("credentials_arn")),
                    ("description", I("hcprov sets no description; a label only")),
                    ("integration_id", C),
                    ("integration_method", M("integration_method")),
                    ("integration_response_selection_expression", I("only for WebSocket APIs")),
                    ("integration_subtype", I("only for AWS service integrations, which need request_parameters mappings instead of a function URI; both are compared")),
                    ("integration_type", M("integration_type")),
                    ("integration_uri", M("integration_uri")),
                    ("passthrough_behavior", I("only for WebSocket APIs")),
                    ("payload_format_version", M("payload_format_version")),
                    ("request_parameters", M("request_parameters")),
                    ("request_templates", I("only for WebSocket APIs")),
                    ("response_parameters", M("response_parameters")),
                    ("template_selection_expression", I("only for WebSocket APIs")),
                    ("timeout_in_millis", M("timeout_in_millis")),
                    ("tls_config", I("only for private (VPC link) integrations; a Lambda proxy has no TLS backend")),
                ],
            }],
        },
        Audit {
            kind: "apigatewayv2_route",
            shapes: vec![Shape {
                call: "GetRoute",
                shape: "GetRouteOutput",
                debug: || debug_of(get_route::GetRouteOutput::builder()),
                fields: &[
                    ("api_gateway_managed", C),
                    ("api_key_required", I("only WebSocket APIs use API keys")),
                    ("authorization_scopes", I("only used with JWT authorization; a switch to it shows as authorization_type drift")),
                    ("authorization_type", M("authorization_type")),
                    ("authorizer_id", I("only used with JWT or CUSTOM authorization; a switch to either shows as authorization_type drift")),
                    ("model_selection_expression", I("only for WebSocket APIs")),
                    ("operation_name", I("a label for generated SDKs; no effect on serving")),
                    ("request_models", I("only for WebSocket APIs")),
                    ("request_parameters", I("only for WebSocket APIs")),
                    ("route_id", C),
                    ("route_key", M("route_key")),
                    ("route_response_selection_expression", I("only for WebSocket APIs")),
                    ("target", M("target")),
                ],
            }],
        },
        Audit {
            kind: "apigatewayv2_stage",
            shapes: vec![
                Shape {
                    call: "GetStage",
                    shape: "GetStageOutput",
                    debug: || debug_of(get_stage::GetStageOutput::builder()),
                    fields: &[
                        ("access_log_settings", M("access_log_settings")),
                        ("api_gateway_managed", C),
                        ("auto_deploy", M("auto_deploy")),
                        ("client_certificate_id", I("only for WebSocket APIs")),
                        ("created_date", C),
                        ("default_route_settings", M("default_route_settings")),
                        ("deployment_id", C),
                        ("description", I("hcprov sets no stage description; a label only")),
                        ("last_deployment_status_message", C),
                        ("last_updated_date", C),
                        ("route_settings", M("route_settings")),
                        ("stage_name", I("the lookup key: read reports name from the id it asked for")),
                        ("stage_variables", I("hcprov's integrations reference no stage variables, so none has an effect")),
                        ("tags", M("tags")),
                    ],
                },
                Shape {
                    call: "GetStage",
                    shape: "RouteSettings",
                    debug: || debug_of(RouteSettings::builder()),
                    fields: &[
                        ("data_trace_enabled", I("only for WebSocket APIs")),
                        ("detailed_metrics_enabled", M("default_route_settings")),
                        ("logging_level", I("only for WebSocket APIs")),
                        ("throttling_burst_limit", M("default_route_settings,route_settings")),
                        ("throttling_rate_limit", M("default_route_settings,route_settings")),
                    ],
                },
                Shape {
                    call: "GetStage",
                    shape: "AccessLogSettings",
                    debug: || debug_of(AccessLogSettings::builder()),
                    fields: &[
                        ("destination_arn", M("access_log_settings")),
                        ("format", M("access_log_settings")),
                    ],
                },
            ],
        },
        Audit {
            kind: "apigatewayv2_domain_name",
            shapes: vec![
                Shape {
                    call: "GetDomainName",
                    shape: "GetDomainNameOutput",
                    debug: || debug_of(get_domain_name::GetDomainNameOutput::builder()),
                    fields: &[
                        ("api_mapping_selection_expression", C),
                        ("domain_name", M("domain_name")),
                        ("domain_name_arn", C),
                        ("domain_name_configurations", M("certificate_arn,endpoint_type,security_policy")),
                        ("mutual_tls_authentication", M("mutual_tls_authentication")),
                        ("routing_mode", M("routing_mode")),
                        ("tags", M("tags")),
                    ],
                },
                Shape {
                    call: "GetDomainName",
                    shape: "DomainNameConfiguration",
                    debug: || debug_of(DomainNameConfiguration::builder()),
                    fields: &[
                        ("api_gateway_domain_name", C),
                        ("certificate_arn", M("certificate_arn")),
                        ("certificate_name", I("a label of uploaded certificates; ACM certificates, the only kind hcprov uses, are named by certificate_arn")),
                        ("certificate_upload_date", C),
                        ("domain_name_status", C),
                        ("domain_name_status_message", C),
                        ("endpoint_type", M("endpoint_type")),
                        ("hosted_zone_id", C),
                        ("ip_address_type", M("ip_address_type")),
                        ("security_policy", M("security_policy")),
                        ("ownership_verification_certificate_arn", I("only for mutual TLS with a truststore certificate not issued by ACM (see mutual_tls_authentication)")),
                    ],
                },
            ],
        },
        Audit {
            kind: "apigatewayv2_api_mapping",
            shapes: vec![Shape {
                call: "GetApiMapping",
                shape: "GetApiMappingOutput",
                debug: || debug_of(get_api_mapping::GetApiMappingOutput::builder()),
                fields: &[
                    ("api_id", M("api_id")),
                    ("api_mapping_id", C),
                    ("api_mapping_key", M("api_mapping_key")),
                    ("stage", M("stage")),
                ],
            }],
        },
    ]
}
