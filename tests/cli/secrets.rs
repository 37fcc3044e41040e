//! API keys from AWS Secrets Manager and SSM Parameter Store (against moto, a real AWS emulator nobody here wrote)
//! and from a command (small scripts), through the real binary. The local OpenAI server asserts the key that
//! arrived; the key must appear nowhere in llmgw's output, its database or its spool.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};

use crate::support::moto::{Moto, moto};
use crate::support::openai::{OpenAiServer, Reply, completion, openai_sandbox};
use crate::support::{Sandbox, edit_json, stderr};

const SECRET_KEY: &str = "sk-from-the-store-SECRET-42";

fn answering() -> OpenAiServer {
    OpenAiServer::builder().fallback(|_| Reply::Json(completion("gpt-4o", "hello", 2, 1, "stop"))).start().unwrap()
}

/// The OpenAI sandbox without `OPENAI_API_KEY`, with a catalogue copy whose `openai` settings get `settings`.
fn keyed(server: &OpenAiServer, settings: Value) -> Sandbox {
    let sandbox = openai_sandbox(server).env("OPENAI_API_KEY", "");
    let config = sandbox.copy_config();
    edit_json(&config.join("providers/openai/settings.json"), |s| {
        for (field, value) in settings.as_object().unwrap() {
            s[field] = value.clone();
        }
    });
    sandbox.env("LLMGW_CONFIG_DIR", config)
}

fn with_moto(sandbox: Sandbox, moto: &Moto) -> Sandbox {
    sandbox
        .env("AWS_ACCESS_KEY_ID", "AKIDMOTOMOTO")
        .env("AWS_SECRET_ACCESS_KEY", "moto-secret")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto.url())
        .env("AWS_ENDPOINT_URL_SSM", moto.url())
}

fn sent_key(server: &OpenAiServer) -> String {
    let request = server.requests().pop().expect("a request arrived");
    request.header("authorization").unwrap_or_default().trim_start_matches("Bearer ").to_string()
}

/// Everything llmgw wrote that a key must never be in: the database, its log and its spool.
fn stored_bytes(sandbox: &Sandbox) -> Vec<u8> {
    let dir = sandbox.data_home().join("llmgw");
    let mut all = Vec::new();
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        all.extend(std::fs::read(entry.path()).unwrap_or_default());
    }
    all
}

fn assert_never_shown(sandbox: &Sandbox, out: &std::process::Output, key: &str) {
    let shown = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!shown.contains(key), "the key leaked into the output: {shown}");
    let stored = stored_bytes(sandbox);
    assert!(!stored.windows(key.len()).any(|w| w == key.as_bytes()), "the key is in the database or spool");
}

fn chat(sandbox: &Sandbox, code: i32) -> std::process::Output {
    sandbox.llmgw().args(["-v", "--json", "chat", "-m", "4o", "hi"]).assert().code(code).get_output().clone()
}

macro_rules! moto_or_skip {
    () => {
        match moto() {
            Some(moto) => moto,
            None => {
                eprintln!("skipped: moto is not installed");
                return;
            }
        }
    };
}

#[test]
fn a_key_from_secrets_manager_is_sent_and_shown_nowhere() {
    let moto = moto_or_skip!();
    moto.put_secret("test/plain-openai", SECRET_KEY);
    let server = answering();
    let sandbox = with_moto(keyed(&server, json!({"apiKeySecret": "test/plain-openai"})), moto);
    let out = chat(&sandbox, 0);
    assert_eq!(sent_key(&server), SECRET_KEY);
    assert!(
        stderr(&out).contains("key from AWS Secrets Manager test/plain-openai"),
        "-v names the source: {}",
        stderr(&out)
    );
    assert_never_shown(&sandbox, &out, SECRET_KEY);
    let metrics = sandbox.llmgw().args(["--json", "metrics"]).assert().success().get_output().clone();
    assert_never_shown(&sandbox, &metrics, SECRET_KEY);
}

#[test]
fn a_json_secret_gives_the_named_key_and_a_wrong_name_is_exit_5_listing_the_names() {
    let moto = moto_or_skip!();
    moto.put_secret("test/json-llm", &json!({"openai": SECRET_KEY, "anthropic": "sk-other-SECRET"}).to_string());
    let server = answering();
    let sandbox = with_moto(keyed(&server, json!({"apiKeySecret": "test/json-llm#openai"})), moto);
    chat(&sandbox, 0);
    assert_eq!(sent_key(&server), SECRET_KEY);

    let sandbox = with_moto(keyed(&server, json!({"apiKeySecret": "test/json-llm#azure"})), moto);
    let out = chat(&sandbox, 5);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("no JSON key 'azure'") && text.contains("anthropic, openai"), "{text}");
    assert_never_shown(&sandbox, &out, SECRET_KEY);
    assert_never_shown(&sandbox, &out, "sk-other-SECRET");
}

#[test]
fn a_key_from_parameter_store_is_read_with_decryption() {
    let moto = moto_or_skip!();
    moto.put_parameter("/test/llm/openai", SECRET_KEY);
    let server = answering();
    let sandbox = with_moto(keyed(&server, json!({"apiKeyParameter": "/test/llm/openai"})), moto);
    let out = chat(&sandbox, 0);
    assert_eq!(sent_key(&server), SECRET_KEY);
    assert!(stderr(&out).contains("key from SSM Parameter Store /test/llm/openai"), "{}", stderr(&out));
    assert_never_shown(&sandbox, &out, SECRET_KEY);
}

#[test]
fn the_variable_wins_over_the_configured_place_when_it_is_set() {
    // The place names a secret that does not exist and an endpoint nobody serves: it must not be asked.
    let server = answering();
    let sandbox = keyed(&server, json!({"apiKeySecret": "test/does-not-exist"}))
        .env("OPENAI_API_KEY", "sk-from-the-environment")
        .env("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://127.0.0.1:9");
    chat(&sandbox, 0);
    assert_eq!(sent_key(&server), "sk-from-the-environment");
}

#[test]
fn a_key_that_cannot_be_had_is_exit_5_naming_the_place_and_an_unreachable_store_exit_7() {
    let moto = moto_or_skip!();
    let server = answering();
    for (settings, said) in [
        (json!({"apiKeySecret": "test/missing"}), "AWS Secrets Manager test/missing"),
        (json!({"apiKeyParameter": "/test/missing"}), "SSM Parameter Store /test/missing"),
    ] {
        let sandbox = with_moto(keyed(&server, settings.clone()), moto);
        let out = sandbox.llmgw().args(["chat", "-m", "4o", "hi"]).assert().code(5).get_output().clone();
        let text = stderr(&out);
        assert!(text.contains(said) && text.contains("hint:"), "{settings}: {text}");
        // Without AWS credentials: exit 5 naming the place, nothing asked.
        let bare = keyed(&server, settings.clone()).env("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto.url());
        let out = bare.llmgw().args(["chat", "-m", "4o", "hi"]).assert().code(5).get_output().clone();
        assert!(stderr(&out).contains(said) && stderr(&out).contains("no AWS credentials"), "{}", stderr(&out));
        // The store out of reach: exit 7.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let away = with_moto(keyed(&server, settings.clone()), moto)
            .env("AWS_ENDPOINT_URL_SECRETS_MANAGER", format!("http://{closed}"))
            .env("AWS_ENDPOINT_URL_SSM", format!("http://{closed}"));
        let out = away.llmgw().args(["chat", "-m", "4o", "hi"]).assert().code(7).get_output().clone();
        assert!(stderr(&out).contains("could not reach"), "{}", stderr(&out));
    }
    assert!(server.requests().is_empty(), "no request without a key");
}

/// A script in the sandbox: `body` after a shebang, executable.
fn script(sandbox: &Sandbox, name: &str, body: &str) -> PathBuf {
    let path = sandbox.home().join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    path
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn a_key_from_a_command_is_its_trimmed_output_without_a_shell() {
    let server = answering();
    let probe = Sandbox::new();
    let counter = probe.home().join("runs");
    let key_script =
        script(&probe, "key.sh", &format!("echo run >> '{}'\nprintf '  {SECRET_KEY}\\n\\n'", counter.display()));
    let sandbox = keyed(&server, json!({"apiKeyCommand": [path_str(&key_script)]}));
    let out = chat(&sandbox, 0);
    assert_eq!(sent_key(&server), SECRET_KEY);
    assert!(stderr(&out).contains(&format!("key from the command `{}`", key_script.display())), "{}", stderr(&out));
    assert_never_shown(&sandbox, &out, SECRET_KEY);

    // No shell: `$HOME` arrives as written.
    let sandbox = keyed(&server, json!({"apiKeyCommand": ["/bin/echo", "$HOME-literal"]}));
    chat(&sandbox, 0);
    assert_eq!(sent_key(&server), "$HOME-literal");

    // Read once per process: a fallback to another model of the same provider reuses it.
    std::fs::remove_file(&counter).ok();
    let failing = OpenAiServer::builder()
        .fallback(|request| match request.body["model"].as_str() {
            Some("gpt-4o") => Reply::error(503, "server_error", "down"),
            _ => Reply::Json(completion("gpt-4o-mini", "ok", 1, 1, "stop")),
        })
        .start()
        .unwrap();
    let sandbox = keyed(&failing, json!({"apiKeyCommand": [path_str(&key_script)]}));
    sandbox.llmgw().args(["chat", "-m", "4o", "--fallback", "4o-mini", "hi"]).assert().success();
    assert_eq!(std::fs::read_to_string(&counter).unwrap().lines().count(), 1, "the command ran once");
}

#[test]
fn a_command_that_fails_times_out_or_prints_nothing_is_exit_5_and_its_output_is_never_shown() {
    let server = answering();
    let probe = Sandbox::new();
    let leaky = script(&probe, "leaky.sh", "echo sk-LEAKED-by-a-failing-command\nexit 3");
    let slow = script(&probe, "slow.sh", "sleep 5\necho sk-late");
    let empty = script(&probe, "empty.sh", "printf '  \\n'");
    let cases = [
        (json!({"apiKeyCommand": [path_str(&leaky)]}), "exited with 3"),
        (json!({"apiKeyCommand": [path_str(&slow)], "apiKeyCommandTimeoutMs": 300}), "did not finish within 300 ms"),
        (json!({"apiKeyCommand": [path_str(&empty)]}), "gave an empty key"),
        (json!({"apiKeyCommand": ["/no/such/program"]}), "could not be run"),
    ];
    for (settings, said) in cases {
        let sandbox = keyed(&server, settings.clone());
        let out = sandbox.llmgw().args(["chat", "-m", "4o", "hi"]).assert().code(5).get_output().clone();
        let text = stderr(&out);
        assert!(text.contains("the command `") && text.contains(said), "{settings}: {text}");
        assert!(!text.contains("sk-LEAKED") && !String::from_utf8_lossy(&out.stdout).contains("sk-LEAKED"), "{text}");
    }
    assert!(server.requests().is_empty());
}

#[test]
fn key_sources_are_checked_when_the_catalogue_loads() {
    let server = answering();
    for (settings, field) in [
        (json!({"apiKeyCommand": []}), "apiKeyCommand"),
        (json!({"apiKeySecret": "a", "apiKeyParameter": "/b"}), "apiKeyParameter"),
        (json!({"apiKeySecret": "name#"}), "apiKeySecret"),
        (json!({"apiKeyCommandTimeoutMs": 100}), "apiKeyCommandTimeoutMs"),
    ] {
        let sandbox = keyed(&server, settings.clone());
        let out = sandbox.llmgw().args(["models", "list"]).assert().code(8).get_output().clone();
        assert!(stderr(&out).contains(field), "{settings}: {}", stderr(&out));
    }
}

#[test]
fn an_azure_key_can_come_from_a_command_too() {
    let server = answering();
    let sandbox = crate::support::openai::azure_sandbox(&server).env("AZURE_OPENAI_API_KEY", "");
    let config = sandbox.copy_config();
    edit_json(&config.join("providers/azure/settings.json"), |s| s["apiKeyCommand"] = json!(["/bin/echo", SECRET_KEY]));
    let out =
        sandbox.llmgw().arg("--config").arg(&config).args(["chat", "-m", "azure/gpt-4o", "hi"]).assert().success();
    assert_eq!(server.requests()[0].header("api-key"), Some(SECRET_KEY));
    assert!(!String::from_utf8_lossy(&out.get_output().stderr).contains(SECRET_KEY));
}

/// Access denied as the services really send it (awsJson: status 400 and `__type`), from a local server standing in
/// for each: exit 5 with the IAM permission to grant (moto does not enforce IAM).
#[test]
fn access_denied_by_the_store_is_exit_5_naming_the_permission() {
    let server = answering();
    for (settings, permission) in [
        (json!({"apiKeySecret": "prod/openai"}), "secretsmanager:GetSecretValue"),
        (json!({"apiKeyParameter": "/prod/openai"}), "ssm:GetParameter"),
    ] {
        let denying = OpenAiServer::builder()
            .fallback(|_| {
                Reply::json_status(
                    400,
                    json!({"__type": "AccessDeniedException", "message": "User: arn:aws:iam::123456789012:user/ci is not authorized"}),
                )
                .with_header("x-amzn-RequestId", "11111111-2222-3333-4444-555555555555")
            })
            .start()
            .unwrap();
        let sandbox = keyed(&server, settings.clone())
            .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
            .env("AWS_SECRET_ACCESS_KEY", "test-secret")
            .env("AWS_REGION", "eu-west-1")
            .env("AWS_ENDPOINT_URL_SECRETS_MANAGER", denying.url())
            .env("AWS_ENDPOINT_URL_SSM", denying.url());
        let out = sandbox.llmgw().args(["chat", "-m", "4o", "hi"]).assert().code(5).get_output().clone();
        let text = stderr(&out);
        assert!(text.contains("AccessDeniedException") && text.contains(permission), "{settings}: {text}");
        let target = denying.requests()[0].header("x-amz-target").unwrap_or_default().to_string();
        assert!(target == "secretsmanager.GetSecretValue" || target == "AmazonSSM.GetParameter", "{target}");
    }
    assert!(server.requests().is_empty());
}
