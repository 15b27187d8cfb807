//! The regional REST API: POST /patients → the data processor (AWS_PROXY),
//! with IAM authorization (callers sign requests with SigV4 and need
//! `execute-api:Invoke` on the method),
//! a deployment that is replaced whenever methods or integrations change,
//! the `prod` stage, and API Gateway's permission to invoke the function.

use serde_json::json;
use sha2::{Digest, Sha256};

use super::compute::Compute;
use super::{join, reference, Builder};

/// Addresses later parts of the stack refer to.
pub struct Api {
    /// The API's name (alarms use it as a dimension).
    pub name: String,
    /// The stage name.
    pub stage: &'static str,
}

/// Adds the API Gateway nodes.
pub fn build(b: &mut Builder, compute: &Compute) -> Api {
    let name = b.name("healthcare-api");
    let api = b.tagged("apigateway_rest_api", "main", Some(&name), json!({
        "name": name, "description": "HIPAA-compliant Healthcare Data Processing API", "endpoint_types": ["REGIONAL"],
    }));
    let api_id = reference(&api, "id");
    let resource = b.plain("apigateway_resource", "patients", json!({
        "rest_api_id": api_id, "parent_id": reference(&api, "root_resource_id"), "path_part": "patients",
    }));
    let method_attrs = json!({
        "rest_api_id": api_id, "resource_id": reference(&resource, "id"), "http_method": "POST", "authorization": "AWS_IAM",
    });
    let integration_attrs = json!({
        "rest_api_id": api_id, "resource_id": reference(&resource, "id"), "http_method": "POST",
        "type": "AWS_PROXY", "integration_http_method": "POST", "uri": reference(&compute.data_processor, "invoke_arn"),
        "timeout_ms": b.cfg.api.integration_timeout_ms,
    });
    let method = b.plain("apigateway_method", "patients_post", method_attrs.clone());
    let integration = b.plain(
        "apigateway_integration",
        "patients_post",
        integration_attrs.clone(),
    );
    b.depends_on(&integration, &method);
    // Any change to what the API serves replaces the deployment
    // (create-before-destroy) and moves the stage to it: a change to the
    // settings written here changes the hash in the description; a change
    // of what they refer to (a replaced function's ARN, a new method) shows
    // in the triggers.
    let hash = Sha256::digest(json!([method_attrs, integration_attrs]).to_string());
    let hash: String = hash.iter().take(8).map(|x| format!("{x:02x}")).collect();
    let deployment = b.plain(
        "apigateway_deployment",
        "main",
        json!({
            "rest_api_id": api_id, "description": format!("hcprov deployment {hash}"),
            "triggers": {
                "resource_id": reference(&resource, "id"),
                "method": reference(&method, "id"),
                "integration_uri": reference(&compute.data_processor, "invoke_arn"),
            },
        }),
    );
    b.depends_on(&deployment, &method);
    b.depends_on(&deployment, &integration);
    let stage = "prod";
    b.tagged("apigateway_stage", stage, None, json!({
        "rest_api_id": api_id, "stage_name": stage, "deployment_id": reference(&deployment, "id"),
    }));
    b.plain(
        "lambda_permission",
        "apigateway",
        json!({
            "function_name": reference(&compute.data_processor, "function_name"),
            "statement_id": "AllowAPIGatewayInvoke",
            "action": "lambda:InvokeFunction",
            "principal": "apigateway.amazonaws.com",
            // Only this stage's POST /patients may invoke the function.
            "source_arn": join(vec![reference(&api, "execution_arn"), json!("/prod/POST/patients")]),
        }),
    );
    let region = b.cfg.region.clone();
    b.output(
        "api_gateway_endpoint",
        join(vec![
            json!("https://"),
            api_id,
            json!(format!(".execute-api.{region}.amazonaws.com/{stage}")),
        ]),
    );
    Api { name, stage }
}
