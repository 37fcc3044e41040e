//! `--attach` through the real binary: each vendor's own blocks (Claude's base64 image/document blocks on Bedrock,
//! Converse image/document blocks for Nova, OpenAI's image parts as data URLs), the type read from the bytes, and
//! what is refused before sending (a model without that input type, too many or too large files, not a file type).

use serde_json::json;

use crate::support::bedrock::{BedrockServer, Reply as BedrockReply, anthropic_message, converse_output};
use crate::support::openai::{OpenAiServer, Reply, completion, openai_sandbox};
use crate::support::{Sandbox, json_doc, stderr};

const PNG_B64: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

fn png() -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(PNG_B64).unwrap()
}

/// A PNG under a misleading name, and a PDF, in the sandbox's home.
fn files(sandbox: &Sandbox) -> (std::path::PathBuf, std::path::PathBuf) {
    let image = sandbox.home().join("photo.jpg");
    std::fs::write(&image, png()).unwrap();
    let pdf = sandbox.home().join("Q3 report.pdf");
    std::fs::write(&pdf, PDF).unwrap();
    (image, pdf)
}

#[test]
fn claude_gets_base64_image_and_document_blocks_before_the_text() {
    let server = BedrockServer::start();
    server.push(BedrockReply::Json(anthropic_message("a red dot", 30, 4, "end_turn")));
    let sandbox = Sandbox::bedrock(&server);
    let (image, pdf) = files(&sandbox);
    sandbox
        .llmgw()
        .args(["chat", "-m", "claude", "--attach"])
        .arg(&image)
        .arg("--attach")
        .arg(&pdf)
        .arg("what is this?")
        .assert()
        .success()
        .stdout("a red dot\n");
    let body = &server.requests()[0].body;
    let content = &body["messages"][0]["content"];
    assert_eq!(
        content[0],
        json!({"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG_B64}}),
        "the type comes from the bytes, not .jpg"
    );
    assert_eq!(content[1]["type"], "document");
    assert_eq!(content[1]["source"]["media_type"], "application/pdf");
    assert_eq!(content[2], json!({"type": "text", "text": "what is this?"}));
}

#[test]
fn nova_gets_converse_image_and_document_blocks() {
    let server = BedrockServer::start();
    server.push(BedrockReply::Json(converse_output("seen", 10, 2)));
    let sandbox = Sandbox::bedrock(&server);
    let (image, pdf) = files(&sandbox);
    sandbox
        .llmgw()
        .args(["chat", "-m", "nova-pro", "--attach"])
        .arg(&image)
        .arg("--attach")
        .arg(&pdf)
        .arg("describe")
        .assert()
        .success();
    let request = &server.requests()[0];
    assert_eq!(request.operation, "converse");
    let content = &request.body["messages"][0]["content"];
    assert_eq!(content[0]["image"]["format"], "png", "{content}");
    assert_eq!(content[0]["image"]["source"]["bytes"], PNG_B64);
    assert_eq!(
        (&content[1]["document"]["format"], &content[1]["document"]["name"]),
        (&json!("pdf"), &json!("Q3 report"))
    );
    assert_eq!(content[2]["text"], "describe");
}

#[test]
fn openai_gets_image_parts_as_data_urls() {
    let server = OpenAiServer::scripted([Reply::Json(completion("gpt-4o", "a dot", 5, 2, "stop"))]);
    let sandbox = openai_sandbox(&server);
    let (image, _) = files(&sandbox);
    let out =
        sandbox.llmgw().args(["--json", "chat", "-m", "4o", "--attach"]).arg(&image).arg("what?").assert().success();
    assert_eq!(json_doc(&out.get_output().stdout)["attachments"], 1, "the reply says how many files went with it");
    let body = &server.only_request().body;
    assert_eq!(
        body["messages"][0]["content"],
        json!([{"type": "image_url", "image_url": {"url": format!("data:image/png;base64,{PNG_B64}")}}, {"type": "text", "text": "what?"}])
    );
}

#[test]
fn what_a_model_cannot_take_is_refused_before_sending() {
    let server = OpenAiServer::start();
    let sandbox = openai_sandbox(&server);
    let (image, pdf) = files(&sandbox);
    // A text-only model: exit 2 naming models that take images.
    let out =
        sandbox.llmgw().args(["--json", "chat", "-m", "o3-mini", "--attach"]).arg(&image).arg("hi").assert().code(2);
    let error = json_doc(&out.get_output().stdout)["error"].clone();
    assert!(error["message"].as_str().unwrap().contains("takes no image"), "{error}");
    assert!(error["suggestions"].as_array().unwrap().iter().any(|s| s["model"] == "gpt-5.1"), "{error}");
    // A PDF to a model that takes images only.
    let out = sandbox.llmgw().args(["chat", "-m", "4o", "--attach"]).arg(&pdf).arg("hi").assert().code(2);
    assert!(stderr(out.get_output()).contains("takes no document"), "{}", stderr(out.get_output()));
    // Not an image or a PDF, whatever its name.
    let text = sandbox.home().join("notes.png");
    std::fs::write(&text, "just text").unwrap();
    let out = sandbox.llmgw().args(["chat", "-m", "4o", "--attach"]).arg(&text).arg("hi").assert().code(2);
    assert!(
        stderr(out.get_output()).contains("not a PNG, JPEG, GIF, WebP image or a PDF"),
        "{}",
        stderr(out.get_output())
    );
    sandbox.llmgw().args(["chat", "-m", "4o", "--attach", "/no/such/file.png", "hi"]).assert().code(2);
    assert!(server.requests().is_empty(), "nothing was sent");

    // Bedrock's limits: 20 images, 3.75 MB each.
    let bedrock = BedrockServer::start();
    let sandbox = Sandbox::bedrock(&bedrock);
    let (image, _) = files(&sandbox);
    let mut cmd = sandbox.llmgw();
    cmd.args(["chat", "-m", "claude"]);
    for _ in 0..21 {
        cmd.arg("--attach").arg(&image);
    }
    let out = cmd.arg("hi").assert().code(2);
    assert!(stderr(out.get_output()).contains("at most 20 images"), "{}", stderr(out.get_output()));
    let big = sandbox.home().join("big.png");
    let mut bytes = png();
    bytes.resize(4_000_000, 0);
    std::fs::write(&big, bytes).unwrap();
    let out = sandbox.llmgw().args(["chat", "-m", "claude", "--attach"]).arg(&big).arg("hi").assert().code(2);
    assert!(stderr(out.get_output()).contains("at most 3.75 MB"), "{}", stderr(out.get_output()));
    assert!(bedrock.requests().is_empty());
}

#[test]
fn an_attachment_is_part_of_the_cache_key() {
    let server =
        OpenAiServer::builder().fallback(|_| Reply::Json(completion("gpt-4o", "ok", 5, 2, "stop"))).start().unwrap();
    let sandbox = openai_sandbox(&server);
    let (image, _) = files(&sandbox);
    let other = sandbox.home().join("other.png");
    let mut bytes = png();
    bytes.extend_from_slice(b"trailing");
    std::fs::write(&other, bytes).unwrap();
    let ask = |file: &std::path::Path| {
        let out = sandbox
            .llmgw()
            .args(["--json", "chat", "--cache", "-m", "4o", "--attach"])
            .arg(file)
            .arg("same words")
            .assert()
            .success();
        json_doc(&out.get_output().stdout).get("cached").is_some()
    };
    assert!(!ask(&image));
    assert!(ask(&image), "the same file: a hit");
    assert!(!ask(&other), "another file with the same words: a miss");
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_conversation_keeps_its_files_once_sends_them_again_and_deleting_it_removes_them() {
    let server = BedrockServer::builder()
        .fallback(|_| BedrockReply::Json(anthropic_message("seen", 30, 4, "end_turn")))
        .start()
        .unwrap();
    let sandbox = Sandbox::bedrock(&server);
    let (image, _) = files(&sandbox);
    sandbox.llmgw().args(["conv", "create", "--name", "look"]).assert().success();
    for _ in 0..2 {
        sandbox
            .llmgw()
            .args(["chat", "-m", "claude", "--conv", "look", "--attach"])
            .arg(&image)
            .arg("this?")
            .assert()
            .success();
    }
    sandbox.llmgw().args(["chat", "-m", "claude", "--conv", "look", "and now?"]).assert().success();
    // The third turn sends both earlier files again, each with its message.
    let third = &server.requests()[2].body["messages"];
    let images =
        |i: usize| third[i]["content"].as_array().map_or(0, |c| c.iter().filter(|b| b["type"] == "image").count());
    assert_eq!((images(0), images(2), third[4]["content"].as_str()), (1, 1, Some("and now?")), "{third}");
    let shown =
        json_doc(&sandbox.llmgw().args(["--json", "conv", "show", "look"]).assert().success().get_output().stdout);
    assert_eq!(
        shown["messages"][0]["attachments"],
        json!([{"name": "photo.jpg", "media_type": "image/png", "bytes": png().len()}])
    );
    let text = sandbox.llmgw().args(["conv", "show", "look"]).assert().success().get_output().stdout.clone();
    assert!(String::from_utf8_lossy(&text).contains("[attached: photo.jpg (image/png,"));
    let db = sandbox.data_home().join("llmgw/llmgw.db");
    let blobs = || -> i64 {
        rusqlite::Connection::open(&db).unwrap().query_row("SELECT count(*) FROM blobs", [], |r| r.get(0)).unwrap()
    };
    assert_eq!(blobs(), 1, "the same file twice is kept once");
    // A switch to a model that takes no images is refused: the files would be sent again.
    let out = sandbox.llmgw().args(["chat", "-m", "llama", "--conv", "look", "hi"]).assert().code(2);
    assert!(stderr(out.get_output()).contains("takes no image"), "{}", stderr(out.get_output()));
    sandbox.llmgw().args(["conv", "delete", "look"]).assert().success();
    assert_eq!(blobs(), 0, "no message uses it any more");
}

#[test]
fn llama_3_2_vision_takes_images_through_converse() {
    let server = BedrockServer::start();
    server.push(BedrockReply::Json(converse_output("a dot", 10, 2)));
    let sandbox = Sandbox::bedrock(&server);
    let (image, pdf) = files(&sandbox);
    sandbox.llmgw().args(["chat", "-m", "llama3.2-vision", "--attach"]).arg(&image).arg("what?").assert().success();
    let request = &server.requests()[0];
    assert_eq!(
        (request.operation.as_str(), request.model_id.as_str()),
        ("converse", "us.meta.llama3-2-11b-instruct-v1:0")
    );
    assert_eq!(request.body["messages"][0]["content"][0]["image"]["format"], "png");
    sandbox.llmgw().args(["chat", "-m", "llama3.2-vision", "--attach"]).arg(&pdf).arg("what?").assert().code(2);
}
