//! `models status MODEL --check` through the real binary: Bedrock's control plane (the real aws-sdk-bedrock client
//! against the local server at `AWS_ENDPOINT_URL_BEDROCK`), OpenAI's `GET /models/{id}` (and a compatible server's
//! list), Azure's deployment; each answer the provider can give becomes exit 0, 3, 5 or 7. Nothing is generated.

use serde_json::{Value, json};

use crate::support::bedrock::{BedrockServer, Reply};
use crate::support::openai::{self, OpenAiServer, azure_sandbox, openai_sandbox};
use crate::support::{Sandbox, json_doc, stderr};

const CLAUDE: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const SONNET_BARE: &str = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const HAIKU_3_BARE: &str = "anthropic.claude-3-haiku-20240307-v1:0";

fn availability(entitled: &str, authorized: &str, region: &str) -> Reply {
    Reply::Json(json!({
        "modelId": HAIKU_3_BARE,
        "agreementAvailability": {"status": "AVAILABLE"},
        "authorizationStatus": authorized,
        "entitlementAvailability": entitled,
        "regionAvailability": region,
    }))
}

fn bedrock_sandbox(server: &BedrockServer) -> Sandbox {
    Sandbox::bedrock(server).env("AWS_ENDPOINT_URL_BEDROCK", server.url())
}

fn check(sandbox: &Sandbox, model: &str, code: i32) -> Value {
    let out = sandbox.llmgw().args(["--json", "models", "status", model, "--check"]).assert().code(code);
    json_doc(&out.get_output().stdout)
}

#[test]
fn a_bedrock_model_is_checked_on_the_control_plane_without_generating_text() {
    let server = BedrockServer::start();
    server.push(availability("AVAILABLE", "AUTHORIZED", "AVAILABLE"));
    let doc = check(&bedrock_sandbox(&server), "claude-3-haiku", 0);
    assert_eq!((&doc["available"], &doc["checked"]), (&json!(true), &json!(true)), "{doc}");
    assert!(doc["reason"].as_str().unwrap().contains("authorized, entitled and offered"), "{doc}");
    let request = server.requests().remove(0);
    assert_eq!(request.method, "GET");
    assert_eq!(request.path, format!("/foundation-model-availability/{}", HAIKU_3_BARE.replace(':', "%3A")));
    let auth = request.header("authorization").unwrap();
    assert!(auth.contains("/us-east-1/bedrock/aws4_request"), "signed for the control plane: {auth}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn an_inference_profile_is_looked_up_then_its_foundation_model() {
    let server = BedrockServer::start();
    server.push(Reply::Json(json!({
        "inferenceProfileName": "US Claude Sonnet 4.5",
        "inferenceProfileArn": format!("arn:aws:bedrock:us-east-1:123456789012:inference-profile/{CLAUDE}"),
        "models": [{"modelArn": format!("arn:aws:bedrock:us-east-1::foundation-model/{SONNET_BARE}")}],
        "inferenceProfileId": CLAUDE,
        "status": "ACTIVE",
        "type": "SYSTEM_DEFINED",
    })));
    server.push(availability("AVAILABLE", "AUTHORIZED", "AVAILABLE"));
    let doc = check(&bedrock_sandbox(&server), "claude", 0);
    assert_eq!(doc["available"], true, "{doc}");
    let paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths,
        [
            format!("/inference-profiles/{}", CLAUDE.replace(':', "%3A")),
            format!("/foundation-model-availability/{}", SONNET_BARE.replace(':', "%3A")),
        ]
    );
}

#[test]
fn a_model_this_account_may_not_use_is_exit_3_saying_why() {
    type Case = (fn() -> Reply, &'static str);
    let cases: [Case; 4] = [
        (|| availability("NOT_AVAILABLE", "AUTHORIZED", "AVAILABLE"), "model access is not granted"),
        (|| availability("AVAILABLE", "NOT_AUTHORIZED", "AVAILABLE"), "not authorized"),
        (|| availability("AVAILABLE", "AUTHORIZED", "NOT_AVAILABLE"), "not offered in us-east-1"),
        (|| Reply::error(404, "ResourceNotFoundException", "no such model"), "no such model"),
    ];
    for (reply, said) in cases {
        let server = BedrockServer::start();
        server.push(reply());
        server.push(reply());
        let sandbox = bedrock_sandbox(&server);
        let doc = check(&sandbox, "claude-3-haiku", 3);
        assert_eq!(doc["available"], false, "{said}: {doc}");
        assert!(doc["reason"].as_str().unwrap().contains(said), "{said}: {doc}");
        assert!(doc["suggestions"].as_array().is_some_and(|s| !s.is_empty()), "alternatives: {doc}");
        let out = sandbox.llmgw().args(["models", "status", "claude-3-haiku", "--check"]).assert().code(3);
        let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
        assert!(text.contains("available: no (asked the provider)"), "{text}");
    }
}

#[test]
fn credentials_that_do_not_work_are_exit_5_and_a_provider_out_of_reach_exit_7() {
    let server = BedrockServer::start();
    server.push(Reply::error(403, "AccessDeniedException", "not allowed: bedrock:GetFoundationModelAvailability"));
    let out = bedrock_sandbox(&server).llmgw().args(["models", "status", "claude-3-haiku", "--check"]).assert().code(5);
    assert!(
        stderr(out.get_output()).contains("bedrock:GetFoundationModelAvailability"),
        "{}",
        stderr(out.get_output())
    );

    // No credentials at all: exit 5 before anything is sent (today's `models status` says "available" regardless).
    let server = BedrockServer::start();
    let sandbox = Sandbox::new().env("AWS_ENDPOINT_URL_BEDROCK", server.url());
    sandbox.llmgw().args(["models", "status", "claude"]).assert().success();
    let out = sandbox.llmgw().args(["--json", "models", "status", "claude", "--check"]).assert().code(5);
    assert_eq!(json_doc(&out.get_output().stdout)["error"]["code"], "auth");
    assert!(server.requests().is_empty());

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let sandbox = Sandbox::bedrock(&BedrockServer::start()).env("AWS_ENDPOINT_URL_BEDROCK", format!("http://{closed}"));
    sandbox.llmgw().args(["models", "status", "claude-3-haiku", "--check"]).assert().code(7);
}

#[test]
fn an_openai_model_is_retrieved_by_id_and_a_compatible_server_searched_by_its_list() {
    let server = OpenAiServer::builder()
        .fallback(|request| match request.path.as_str() {
            "/v1/models/gpt-4o" => {
                openai::Reply::Json(json!({"id": "gpt-4o", "object": "model", "owned_by": "openai"}))
            }
            "/v1/models" => {
                openai::Reply::Json(json!({"object": "list", "data": [{"id": "gpt-4o-mini", "object": "model"}]}))
            }
            _ => openai::Reply::error(404, "model_not_found", "The model does not exist"),
        })
        .start()
        .unwrap();
    let sandbox = openai_sandbox(&server);
    let doc = check(&sandbox, "4o", 0);
    assert_eq!((&doc["available"], &doc["checked"]), (&json!(true), &json!(true)), "{doc}");
    let first = server.requests().remove(0);
    assert_eq!((first.method.as_str(), first.path.as_str()), ("GET", "/v1/models/gpt-4o"));
    assert_eq!(first.header("authorization"), Some(format!("Bearer {}", openai::OPENAI_KEY).as_str()));
    // Not retrievable by id, but listed (a compatible server without the route): available.
    assert_eq!(check(&sandbox, "4o-mini", 0)["available"], true);
    // Neither: exit 3 naming what the server has.
    let doc = check(&sandbox, "gpt-4.1", 3);
    assert!(doc["reason"].as_str().unwrap().contains("gpt-4o-mini"), "{doc}");
    assert!(server.requests().iter().all(|r| r.method == "GET"), "nothing is generated");
    assert!(
        !String::from_utf8_lossy(
            &sandbox.llmgw().args(["-v", "models", "status", "4o", "--check"]).assert().success().get_output().stderr
        )
        .contains(openai::OPENAI_KEY)
    );

    let refused =
        OpenAiServer::builder().fallback(|_| openai::Reply::error(401, "invalid_api_key", "bad key")).start().unwrap();
    let out = openai_sandbox(&refused).llmgw().args(["models", "status", "4o", "--check"]).assert().code(5);
    assert!(stderr(out.get_output()).contains("OPENAI_API_KEY"), "the hint names the variable");
    let sandbox = Sandbox::new();
    sandbox.llmgw().args(["models", "status", "4o", "--check"]).assert().code(5); // no key at all
}

#[test]
fn an_azure_deployment_is_checked_with_a_request_that_generates_nothing() {
    let server = OpenAiServer::builder()
        .fallback(|request| match request.path.as_str() {
            "/openai/deployments/gpt-4o/chat/completions" => {
                openai::Reply::error(400, "invalid_request_error", "'messages' must contain at least one message")
            }
            _ => {
                openai::Reply::error(404, "DeploymentNotFound", "The API deployment for this resource does not exist.")
            }
        })
        .start()
        .unwrap();
    let sandbox = azure_sandbox(&server);
    let doc = check(&sandbox, "azure/gpt-4o", 0);
    assert!(doc["reason"].as_str().unwrap().contains("has the deployment gpt-4o"), "{doc}");
    let request = server.requests().remove(0);
    assert_eq!(request.body, json!({"messages": []}), "no message, so nothing can be generated");
    assert_eq!(request.header("api-key"), Some(openai::AZURE_KEY));
    let doc = check(&sandbox, "azure/gpt-4o-mini", 3);
    assert!(
        doc["reason"].as_str().unwrap().contains("DeploymentNotFound")
            || doc["reason"].as_str().unwrap().contains("does not exist"),
        "{doc}"
    );
}

#[test]
fn check_needs_a_model_and_the_offline_model_is_always_there() {
    let sandbox = Sandbox::new();
    sandbox.llmgw().args(["models", "status", "--check"]).assert().code(2);
    assert_eq!(check(&sandbox, "echo", 0)["available"], true);
}
