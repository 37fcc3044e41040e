//! One conversation across providers: history started on Bedrock continues on OpenAI in the Chat Completions
//! format (system first, then the turns as plain strings), the stored turns name the model that wrote them, and
//! `metrics` counts the OpenAI request with its cost from the catalogue's prices.

use serde_json::json;

use crate::support::bedrock::{BedrockServer, Reply as BedrockReply, anthropic_message};
use crate::support::json_doc;
use crate::support::openai::{OPENAI_KEY, OpenAiServer, Reply, completion, stream};

#[test]
fn a_conversation_switches_from_a_bedrock_model_to_an_openai_model_and_back() {
    let bedrock = BedrockServer::start();
    let openai = OpenAiServer::start();
    let sandbox = crate::support::Sandbox::bedrock(&bedrock)
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("OPENAI_BASE_URL", openai.base_url())
        .env("OPENAI_API_KEY", OPENAI_KEY)
        .env("LLMGW_USER", "ann");
    let created = sandbox.llmgw().args(["conv", "create", "--system", "Be brief."]).assert().success();
    let conv = String::from_utf8_lossy(&created.get_output().stdout).trim().to_string();

    bedrock.push(BedrockReply::Json(anthropic_message("Paris.", 10, 2, "end_turn")));
    sandbox.llmgw().args(["chat", "--conv", &conv, "-m", "claude", "Capital of France?"]).assert().success();

    openai.push(Reply::Json(completion("gpt-5.1", "About 2.1 million.", 30, 5, "stop")));
    sandbox.llmgw().args(["chat", "--conv", &conv, "-m", "gpt", "Its population?"]).assert().success();
    assert_eq!(
        openai.only_request().body["messages"],
        json!([
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Capital of France?"},
            {"role": "assistant", "content": "Paris."},
            {"role": "user", "content": "Its population?"},
        ])
    );

    // Streaming on OpenAI keeps the text for the conversation too.
    openai.push(Reply::Sse(stream(&["Yes", "."], Some((40, 2)), "stop")));
    sandbox.llmgw().args(["stream", "--conv", &conv, "-m", "gpt-4o", "Sure?"]).assert().success().stdout("Yes.\n");

    let shown =
        json_doc(&sandbox.llmgw().args(["--json", "conv", "show", &conv]).assert().success().get_output().stdout);
    let messages = shown["messages"].as_array().unwrap();
    let pairs: Vec<(&str, &str)> =
        messages.iter().map(|m| (m["role"].as_str().unwrap(), m["content"].as_str().unwrap())).collect();
    assert_eq!(
        pairs,
        [
            ("user", "Capital of France?"),
            ("assistant", "Paris."),
            ("user", "Its population?"),
            ("assistant", "About 2.1 million."),
            ("user", "Sure?"),
            ("assistant", "Yes."),
        ]
    );
    assert_eq!(messages[3]["model"], "gpt-5.1", "{shown}");

    let metrics = json_doc(&sandbox.llmgw().args(["--json", "metrics"]).assert().success().get_output().stdout);
    let gpt = metrics["by_model"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["model"] == "gpt-5.1")
        .unwrap_or_else(|| panic!("gpt-5.1 in metrics: {metrics}"))
        .clone();
    assert_eq!((gpt["provider"].as_str(), gpt["requests"].as_u64()), (Some("openai"), Some(1)), "{gpt}");
    assert_eq!((gpt["input_tokens"].as_u64(), gpt["output_tokens"].as_u64()), (Some(30), Some(5)), "{gpt}");
    // 30 x $1.25/M + 5 x $10/M = $0.0000875 (metrics rounds to the micro-dollar)
    let cost = gpt["cost_usd"].as_f64().unwrap();
    assert!((cost - 0.0000875).abs() <= 1e-6, "{gpt}");
    assert_eq!(metrics["total"]["requests"], 3, "{metrics}");
}
