//! `llmgw image` through the real binary against the local OpenAI server (`/v1/images/generations`) and the local
//! Bedrock server (Nova Canvas, Stability bodies): the bodies sent, PNG files written and never overwritten, `-o -`,
//! sizes checked against the model, content-filter refusals, records and cost per image.

use serde_json::json;

use crate::support::bedrock::{BedrockServer, Reply as BedrockReply};
use crate::support::openai::{OpenAiServer, Reply, openai_sandbox};
use crate::support::{Sandbox, json_doc, stderr};

/// A 1x1 PNG.
const PNG_B64: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

fn png_bytes() -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(PNG_B64).unwrap()
}

fn openai_images(count: usize) -> Reply {
    Reply::Json(json!({"created": 1, "data": vec![json!({"b64_json": PNG_B64}); count]}))
}

#[test]
fn an_openai_image_is_written_as_png_and_its_path_printed() {
    let server = OpenAiServer::scripted([openai_images(1), openai_images(2)]);
    let sandbox = openai_sandbox(&server);
    let out =
        sandbox.llmgw().current_dir(sandbox.home()).args(["image", "-m", "dall-e", "a", "fox"]).assert().success();
    let path = String::from_utf8_lossy(&out.get_output().stdout).trim().to_string();
    assert!(path.starts_with("image-req_") && path.ends_with(".png"), "{path}");
    assert_eq!(std::fs::read(sandbox.home().join(&path)).unwrap(), png_bytes());
    let request = server.requests().remove(0);
    assert_eq!(request.path, "/v1/images/generations");
    assert_eq!(
        request.body,
        json!({"model": "dall-e-3", "prompt": "a fox", "n": 1, "size": "1024x1024", "response_format": "b64_json"})
    );

    let target = sandbox.home().join("fox.png");
    let out = sandbox
        .llmgw()
        .arg("--json")
        .arg("image")
        .args(["-m", "gpt-image", "--count", "2", "--size", "1536x1024", "-o"])
        .arg(&target)
        .arg("two foxes")
        .assert()
        .success();
    let doc = json_doc(&out.get_output().stdout);
    let paths: Vec<&str> = doc["images"].as_array().unwrap().iter().map(|i| i["path"].as_str().unwrap()).collect();
    assert!(paths[0].ends_with("fox-1.png") && paths[1].ends_with("fox-2.png"), "{doc}");
    assert_eq!((&doc["images"][0]["width"], &doc["images"][0]["bytes"]), (&json!(1), &json!(png_bytes().len())));
    assert!((doc["cost_usd"].as_f64().unwrap() - 0.126).abs() < 1e-9, "2 x 0.063, the price of 1536x1024: {doc}");
    assert_eq!(
        (&server.requests()[1].body["size"], &server.requests()[1].body["quality"]),
        (&json!("1536x1024"), &json!("medium"))
    );
    let metrics = json_doc(&sandbox.llmgw().args(["--json", "metrics"]).assert().success().get_output().stdout);
    assert_eq!(metrics["total"]["requests"], 2);
    assert!((metrics["total"]["cost_usd"].as_f64().unwrap() - 0.166).abs() < 1e-6, "{metrics}");
    let db = sandbox.data_home().join("llmgw/llmgw.db");
    let images: Vec<i64> = rusqlite::Connection::open(db)
        .unwrap()
        .prepare("SELECT images FROM requests WHERE command = 'image' ORDER BY time")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(images, [1, 2], "each record says how many images it made");
}

#[test]
fn files_are_not_overwritten_without_force_and_nothing_is_paid_for_then() {
    let server = OpenAiServer::scripted([openai_images(1)]);
    let sandbox = openai_sandbox(&server);
    let target = sandbox.home().join("keep.png");
    std::fs::write(&target, "mine").unwrap();
    let out = sandbox.llmgw().args(["image", "-m", "dall-e", "-o"]).arg(&target).arg("x").assert().code(2);
    assert!(stderr(out.get_output()).contains("--force"), "{}", stderr(out.get_output()));
    assert!(server.requests().is_empty(), "nothing was asked");
    sandbox.llmgw().args(["image", "-m", "dall-e", "--force", "-o"]).arg(&target).arg("x").assert().success();
    assert_eq!(std::fs::read(&target).unwrap(), png_bytes());
}

#[test]
fn dash_o_dash_writes_one_image_to_a_pipe() {
    let server = OpenAiServer::scripted([openai_images(1)]);
    let sandbox = openai_sandbox(&server);
    let out = sandbox.llmgw().args(["image", "-m", "dall-e", "-o", "-", "x"]).assert().success();
    assert_eq!(out.get_output().stdout, png_bytes());
    sandbox.llmgw().args(["image", "-m", "dall-e", "-o", "-", "--count", "2", "x"]).assert().code(2);
}

#[test]
fn sizes_models_and_refusals_are_checked_and_said_clearly() {
    let server = OpenAiServer::scripted([Reply::error(
        400,
        "content_policy_violation",
        "Your request was rejected by the safety system.",
    )]);
    let sandbox = openai_sandbox(&server);
    let out = sandbox.llmgw().args(["image", "-m", "dall-e", "--size", "640x480", "x"]).assert().code(2);
    assert!(stderr(out.get_output()).contains("1024x1024, 1792x1024, 1024x1792"), "{}", stderr(out.get_output()));
    let out = sandbox.llmgw().args(["--json", "image", "-m", "4o", "x"]).assert().code(2);
    let suggested = json_doc(&out.get_output().stdout)["error"]["suggestions"].clone();
    assert!(suggested.as_array().unwrap().iter().any(|s| s["model"] == "gpt-image-1"), "{suggested}");
    assert!(server.requests().is_empty());
    let out = sandbox.llmgw().current_dir(sandbox.home()).args(["image", "-m", "dall-e", "x"]).assert().code(2);
    assert!(stderr(out.get_output()).contains("safety system"), "{}", stderr(out.get_output()));
}

#[test]
fn nova_canvas_and_stability_on_bedrock_take_their_own_bodies() {
    let server = BedrockServer::start();
    server.push(BedrockReply::Json(json!({"images": [PNG_B64, PNG_B64], "error": null})));
    server.push(BedrockReply::Json(json!({"images": [PNG_B64], "seeds": [41], "finish_reasons": [null]})));
    server.push(BedrockReply::Json(json!({"images": [PNG_B64], "seeds": [42], "finish_reasons": [null]})));
    server.push(BedrockReply::Json(json!({"images": [], "seeds": [], "finish_reasons": ["Filter reason: prompt"]})));
    server.push(BedrockReply::Json(
        json!({"images": [], "error": "This request has been blocked by our content filters."}),
    ));
    let sandbox = Sandbox::bedrock(&server);
    let dir = sandbox.home();
    let out = sandbox
        .llmgw()
        .current_dir(dir)
        .args([
            "--json",
            "image",
            "-m",
            "nova-canvas",
            "--count",
            "2",
            "--seed",
            "7",
            "--negative",
            "blur",
            "-o",
            "n.png",
            "a lighthouse",
        ])
        .assert()
        .success();
    assert_eq!(json_doc(&out.get_output().stdout)["images"].as_array().unwrap().len(), 2);
    let nova = server.requests().remove(0);
    assert_eq!(nova.model_id, "amazon.nova-canvas-v1:0");
    assert_eq!(nova.body["taskType"], "TEXT_IMAGE");
    assert_eq!(nova.body["textToImageParams"], json!({"text": "a lighthouse", "negativeText": "blur"}));
    assert_eq!(nova.body["imageGenerationConfig"]["numberOfImages"], 2);

    let out = sandbox
        .llmgw()
        .current_dir(dir)
        .args([
            "--json",
            "image",
            "-m",
            "stable-core",
            "--count",
            "2",
            "--seed",
            "41",
            "--size",
            "1344x768",
            "-o",
            "s.png",
            "a bike",
        ])
        .assert()
        .success();
    let seeds: Vec<u64> = json_doc(&out.get_output().stdout)["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["seed"].as_u64().unwrap())
        .collect();
    assert_eq!(seeds, [41, 42]);
    let stability = &server.requests()[1];
    assert_eq!(stability.body, json!({"prompt": "a bike", "aspect_ratio": "16:9", "output_format": "png", "seed": 41}));

    for model in ["stable-core", "nova-canvas"] {
        let out = sandbox.llmgw().current_dir(dir).args(["image", "-m", model, "x"]).assert().code(2);
        let said = stderr(out.get_output());
        assert!(
            said.contains("refused to draw it") && (said.contains("Filter reason") || said.contains("content filters")),
            "{said}"
        );
    }
}

#[test]
fn azure_draws_through_its_deployment() {
    let server = OpenAiServer::scripted([openai_images(1)]);
    let sandbox = crate::support::openai::azure_sandbox(&server);
    let config = sandbox.copy_config();
    crate::support::edit_json(&config.join("providers/azure/models.json"), |doc| {
        doc["vendors"][0]["models"].as_array_mut().unwrap().push(json!({
            "modelId": "gpt-image-1", "vendor": "openai", "modality": "text-to-image", "deployment": "images-prod",
            "pricing": {"perImage": 0.04}
        }));
    });
    sandbox
        .llmgw()
        .current_dir(sandbox.home())
        .arg("--config")
        .arg(&config)
        .args(["image", "-m", "azure/gpt-image-1", "x"])
        .assert()
        .success();
    let request = server.only_request();
    assert_eq!(request.path, "/openai/deployments/images-prod/images/generations");
    assert_eq!(request.header("api-key"), Some(crate::support::openai::AZURE_KEY));
}

#[test]
fn a_spinner_shows_while_drawing_at_a_terminal() {
    let server = OpenAiServer::builder()
        .fallback(|_| Reply::delay(std::time::Duration::from_millis(600), openai_images(1)))
        .start()
        .unwrap();
    let sandbox = openai_sandbox(&server);
    let line = format!("{} image -m dall-e -o {}/t.png x", env!("CARGO_BIN_EXE_llmgw"), sandbox.home().display());
    let out = sandbox
        .command_for("script")
        .args(["-qec", &line, "/dev/null"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("drawing"), "{shown}");
    assert!(shown.contains("t.png"), "the path is printed: {shown}");
}
