//! Which configuration root is used, and how a broken one is reported: through the binary, as a user meets it.

use crate::support::bedrock::{BedrockServer, Reply, anthropic_message};
use crate::support::{Sandbox, edit_json, json_doc, stderr};

/// A user catalogue with one provider (`local`) whose only model has an alias of our choosing.
fn write_user_catalogue(dir: &std::path::Path, alias: &str) {
    std::fs::create_dir_all(dir.join("providers/local")).unwrap();
    std::fs::create_dir_all(dir.join("vendors")).unwrap();
    std::fs::write(dir.join("providers.json"), r#"{"providers": [{"name": "local", "enabled": true}]}"#).unwrap();
    std::fs::write(dir.join("providers/local/settings.json"), r#"{"name": "local", "type": "local"}"#).unwrap();
    std::fs::write(
        dir.join("providers/local/models.json"),
        format!(r#"{{"vendors": [{{"name": "local", "models": [{{"modelId": "echo", "aliases": ["{alias}"]}}]}}]}}"#),
    )
    .unwrap();
    std::fs::write(dir.join("vendors/local.json"), r#"{"name": "local"}"#).unwrap();
}

#[test]
fn config_flag_replaces_the_built_in_catalogue_whole() {
    let sandbox = Sandbox::new();
    let dir = sandbox.home().join("my-config");
    write_user_catalogue(&dir, "parrot");
    let out = sandbox.llmgw().args(["--config"]).arg(&dir).args(["models", "list", "--json"]).assert().success();
    let doc = json_doc(&out.get_output().stdout);
    let rows = doc.as_array().unwrap();
    assert_eq!(rows.len(), 1, "only the user's catalogue: {doc}");
    assert_eq!(rows[0]["aliases"][0], "parrot");
    sandbox.llmgw().arg("--config").arg(&dir).args(["chat", "-m", "parrot", "hi"]).assert().success().stdout("hi\n");
    // The built-in models are gone, so `claude` is unknown here.
    sandbox.llmgw().arg("--config").arg(&dir).args(["chat", "-m", "claude", "hi"]).assert().code(3);
}

#[test]
fn llmgw_config_dir_is_used_when_no_flag_is_given() {
    let sandbox = Sandbox::new();
    let dir = sandbox.home().join("env-config");
    write_user_catalogue(&dir, "from-env");
    let sandbox = sandbox.env("LLMGW_CONFIG_DIR", &dir);
    sandbox.llmgw().args(["chat", "-m", "from-env", "hi"]).assert().success().stdout("hi\n");
    // --config wins over the variable.
    let other = sandbox.home().join("flag-config");
    write_user_catalogue(&other, "from-flag");
    sandbox.llmgw().arg("--config").arg(&other).args(["chat", "-m", "from-flag", "hi"]).assert().success();
    sandbox.llmgw().arg("--config").arg(&other).args(["chat", "-m", "from-env", "hi"]).assert().code(3);
}

#[test]
fn xdg_config_dir_is_used_only_when_it_holds_providers_json() {
    let sandbox = Sandbox::new();
    let xdg = sandbox.config_home().join("llmgw");
    std::fs::create_dir_all(&xdg).unwrap();
    // An empty ~/.config/llmgw does not hide the built-in catalogue.
    sandbox.llmgw().args(["chat", "-m", "echo", "hi"]).assert().success();
    sandbox.llmgw().args(["models", "status", "claude"]).assert().success();
    write_user_catalogue(&xdg, "xdg-alias");
    sandbox.llmgw().args(["chat", "-m", "xdg-alias", "hi"]).assert().success().stdout("hi\n");
    sandbox.llmgw().args(["models", "status", "claude"]).assert().code(3);
}

#[test]
fn yaml_files_are_accepted() {
    let sandbox = Sandbox::new();
    let dir = sandbox.home().join("yaml-config");
    write_user_catalogue(&dir, "unused");
    std::fs::remove_file(dir.join("providers/local/models.json")).unwrap();
    std::fs::write(
        dir.join("providers/local/models.yaml"),
        "vendors:\n  - name: local\n    models:\n      - modelId: echo\n        aliases: [yaml-echo]\n",
    )
    .unwrap();
    sandbox.llmgw().arg("--config").arg(&dir).args(["chat", "-m", "yaml-echo", "hi"]).assert().success();
}

#[test]
fn broken_json_exits_8_naming_the_file_and_line() {
    let sandbox = Sandbox::new();
    let dir = sandbox.copy_config();
    let models = dir.join("providers/bedrock/models.json");
    let text = std::fs::read_to_string(&models).unwrap();
    std::fs::write(&models, text.replacen("\"modelId\"", "\"modelId\" oops", 1)).unwrap();
    let out = sandbox.llmgw().arg("--config").arg(&dir).args(["models", "list"]).assert().code(8).get_output().clone();
    let err = stderr(&out);
    assert!(err.contains("providers/bedrock/models.json"), "{err}");
    assert!(err.contains("line"), "{err}");
    assert!(out.stdout.is_empty());

    let out = sandbox.llmgw().arg("--config").arg(&dir).args(["--json", "chat", "-m", "echo", "hi"]).assert().code(8);
    let doc = json_doc(&out.get_output().stdout);
    assert_eq!(doc["error"]["code"], "config");
    assert_eq!(doc["error"]["exit_code"], 8);
}

#[test]
fn a_wrong_field_exits_8_naming_the_field_path() {
    let sandbox = Sandbox::new();
    let dir = sandbox.copy_config();
    edit_json(&dir.join("providers/bedrock/models.json"), |doc| {
        doc["vendors"][0]["models"][1]["llmgateway"]["status"] = "MAYBE".into();
    });
    let out = sandbox.llmgw().arg("--config").arg(&dir).args(["models", "list"]).assert().code(8).get_output().clone();
    let err = stderr(&out);
    assert!(err.contains("providers/bedrock/models.json"), "{err}");
    assert!(err.contains("vendors[0].models[1].llmgateway.status"), "{err}");
}

#[test]
fn a_model_naming_an_unknown_vendor_exits_8() {
    let sandbox = Sandbox::new();
    let dir = sandbox.copy_config();
    edit_json(&dir.join("providers/bedrock/models.json"), |doc| {
        doc["vendors"][0]["models"][0]["vendor"] = "nosuchvendor".into();
    });
    let out = sandbox.llmgw().arg("--config").arg(&dir).args(["chat", "-m", "echo", "hi"]).assert().code(8);
    let err = stderr(out.get_output());
    assert!(err.contains("nosuchvendor"), "{err}");
    assert!(err.contains("vendors[0].models[0].vendor"), "{err}");
}

#[test]
fn a_missing_config_dir_exits_8() {
    let sandbox = Sandbox::new();
    let out = sandbox.llmgw().args(["--config", "/nonexistent/llmgw-config", "models", "list"]).assert().code(8);
    assert!(stderr(out.get_output()).contains("/nonexistent/llmgw-config"));
}

#[test]
fn credentials_from_a_credential_process_profile_are_used() {
    let server = BedrockServer::start();
    server.push(Reply::Json(anthropic_message("ok", 3, 1, "end_turn")));
    let sandbox = Sandbox::new();
    let aws = sandbox.home().join(".aws");
    std::fs::create_dir_all(&aws).unwrap();
    let script = aws.join("credentials.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\necho '{\"Version\":1,\"AccessKeyId\":\"AKIDFROMPROCESS\",\"SecretAccessKey\":\"s\"}'\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let config = aws.join("config");
    std::fs::write(&config, format!("[profile proc]\nregion = us-west-2\ncredential_process = {}\n", script.display()))
        .unwrap();
    let sandbox = sandbox
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_PROFILE", "proc")
        .env("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", server.url());
    sandbox.llmgw().args(["chat", "-m", "claude", "hi"]).assert().success().stdout("ok\n");
    let request = server.only_request();
    let auth = request.header("authorization").unwrap();
    assert!(auth.contains("Credential=AKIDFROMPROCESS/"), "{auth}");
    // The profile's region is used for signing.
    assert!(auth.contains("/us-west-2/bedrock/aws4_request"), "{auth}");
}

#[test]
fn credentials_from_web_identity_are_exchanged_with_sts() {
    // The SDK's web-identity provider calls STS AssumeRoleWithWebIdentity; the local server answers as STS does.
    let server = BedrockServer::start();
    let sts_answer = r#"<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <Credentials>
      <AccessKeyId>AKIDFROMWEBIDENTITY</AccessKeyId>
      <SecretAccessKey>s</SecretAccessKey>
      <SessionToken>session</SessionToken>
      <Expiration>2099-01-01T00:00:00Z</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/llmgw-test/session</Arn>
      <AssumedRoleId>AROATEST:session</AssumedRoleId>
    </AssumedRoleUser>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>4b1e1e6a-0000-0000-0000-000000000000</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>"#;
    server.push(Reply::Raw { content_type: "text/xml", body: sts_answer.into() });
    server.push(Reply::Json(anthropic_message("ok", 3, 1, "end_turn")));
    let sandbox = Sandbox::new();
    let token = sandbox.home().join("web-identity-token");
    std::fs::write(&token, "eyJhbGciOiJub25lIn0.e30.").unwrap();
    let sandbox = sandbox
        .env("AWS_WEB_IDENTITY_TOKEN_FILE", &token)
        .env("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/llmgw-test")
        .env("AWS_ROLE_SESSION_NAME", "session")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL_STS", server.url())
        .env("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", server.url());
    sandbox.llmgw().args(["chat", "-m", "claude", "hi"]).assert().success().stdout("ok\n");
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "one STS exchange, then the model call");
    assert!(requests[0].body.to_string().contains("AssumeRoleWithWebIdentity"), "{:?}", requests[0].body);
    let auth = requests[1].header("authorization").unwrap();
    assert!(auth.contains("Credential=AKIDFROMWEBIDENTITY/"), "{auth}");
    assert_eq!(requests[1].header("x-amz-security-token"), Some("session"));
}

#[test]
fn credentials_from_an_sso_profile_use_the_cached_token() {
    // A profile logged in with `aws sso login`: the SDK reads the cached token and asks the SSO portal for role
    // credentials; the local server answers as the portal does.
    let server = BedrockServer::start();
    server.push(Reply::Json(serde_json::json!({
        "roleCredentials": {
            "accessKeyId": "AKIDFROMSSO", "secretAccessKey": "s", "sessionToken": "sso-session",
            "expiration": 4_070_908_800_000u64
        }
    })));
    server.push(Reply::Json(anthropic_message("ok", 3, 1, "end_turn")));
    let sandbox = Sandbox::new();
    let aws = sandbox.home().join(".aws");
    let start_url = "https://llmgw-test.awsapps.com/start";
    let key = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("printf %s '{start_url}' | sha1sum | cut -d' ' -f1"))
        .output()
        .expect("sha1sum (coreutils)");
    let key = String::from_utf8(key.stdout).unwrap().trim().to_string();
    std::fs::create_dir_all(aws.join("sso/cache")).unwrap();
    std::fs::write(
        aws.join(format!("sso/cache/{key}.json")),
        format!(r#"{{"accessToken":"cached-sso-token","expiresAt":"2099-01-01T00:00:00Z","region":"us-east-1","startUrl":"{start_url}"}}"#),
    )
    .unwrap();
    let config = aws.join("config");
    std::fs::write(
        &config,
        format!(
            "[profile sso]\nsso_start_url = {start_url}\nsso_region = us-east-1\nsso_account_id = 123456789012\n\
             sso_role_name = LlmgwTest\nregion = us-east-1\n"
        ),
    )
    .unwrap();
    let sandbox = sandbox
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_PROFILE", "sso")
        .env("AWS_ENDPOINT_URL_SSO", server.url())
        .env("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", server.url());
    sandbox.llmgw().args(["chat", "-m", "claude", "hi"]).assert().success().stdout("ok\n");
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "one portal call, then the model call");
    assert_eq!(requests[0].header("x-amz-sso_bearer_token"), Some("cached-sso-token"));
    assert!(requests[0].path.contains("role_name=LlmgwTest"), "{}", requests[0].path);
    let auth = requests[1].header("authorization").unwrap();
    assert!(auth.contains("Credential=AKIDFROMSSO/"), "{auth}");
}

// ---- A root laid over the built-in catalogue (`"base": "builtin"`) ----

/// The README's recipe: one OpenAI-compatible server as a `providers.json` of one entry plus its folder, laid over
/// the built-in catalogue; here the server is the local OpenAI test server.
fn write_overlay(dir: &std::path::Path, base_url: &str, alias: &str) {
    std::fs::create_dir_all(dir.join("providers/ollama")).unwrap();
    std::fs::write(dir.join("providers.json"), r#"{"base": "builtin", "providers": [{"name": "ollama"}]}"#).unwrap();
    std::fs::write(
        dir.join("providers/ollama/settings.json"),
        format!(r#"{{"type": "openai", "baseUrl": "{base_url}"}}"#),
    )
    .unwrap();
    std::fs::write(
        dir.join("providers/ollama/models.json"),
        format!(
            r#"{{"vendors": [{{"name": "meta", "models": [{{"modelId": "llama3.2", "aliases": ["{alias}"]}}]}}]}}"#
        ),
    )
    .unwrap();
}

#[test]
fn an_overlay_adds_a_local_server_to_the_built_in_catalogue() {
    use crate::support::openai::{OpenAiServer, Reply, completion, direct};
    let server = OpenAiServer::scripted([Reply::Json(completion("llama3.2", "hello from ollama", 3, 3, "stop"))]);
    let sandbox = direct();
    let dir = sandbox.config_home().join("llmgw");
    write_overlay(&dir, &server.base_url(), "ollama");

    // Found in ~/.config/llmgw without any flag, and named with the built-in root by -v.
    let out = sandbox.llmgw().args(["-v", "chat", "-m", "ollama", "hi"]).assert().success();
    let out = out.get_output();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello from ollama\n");
    assert!(stderr(out).contains(&format!("config: {} over built-in", dir.display())), "{}", stderr(out));
    let request = server.only_request();
    assert_eq!((request.path.as_str(), request.header("authorization")), ("/v1/chat/completions", None));
    assert_eq!(request.body["model"], "llama3.2");

    let out = sandbox.llmgw().args(["models", "list", "--json"]).assert().success();
    let doc = json_doc(&out.get_output().stdout);
    let ids: Vec<&str> = doc.as_array().unwrap().iter().map(|m| m["model_id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"llama3.2") && ids.contains(&"echo") && ids.len() > 20, "{ids:?}");
    sandbox.llmgw().args(["chat", "-m", "echo", "still here"]).assert().success().stdout("still here\n");
}

#[test]
fn an_alias_in_the_overlay_that_the_built_in_catalogue_uses_exits_8_naming_both_files() {
    let sandbox = Sandbox::new();
    let dir = sandbox.home().join("overlay");
    write_overlay(&dir, "http://127.0.0.1:9/v1", "Claude");
    let out = sandbox.llmgw().arg("--config").arg(&dir).args(["models", "list"]).assert().code(8);
    let text = stderr(out.get_output());
    assert!(text.contains(&dir.join("providers/ollama/models.json").display().to_string()), "{text}");
    assert!(text.contains("<built-in>/providers/bedrock/models.json"), "{text}");
}

/// An endpoint without a scheme is a configuration error naming where it came from, for every transport and every
/// place an endpoint is set; it used to exit 7 with the SDK's dump of the whole request, prompt included.
#[test]
fn an_endpoint_without_a_scheme_exits_8_naming_the_variable_and_never_the_request() {
    let prompt = "a-secret-prompt-words";
    let cases: [(&str, &str, &str, &str); 4] = [
        ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "127.0.0.1:4599", "claude", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME"),
        ("AWS_ENDPOINT_URL", "localhost:4599", "llama", "AWS_ENDPOINT_URL"),
        ("OPENAI_BASE_URL", "127.0.0.1:4600/v1", "gpt", "OPENAI_BASE_URL"),
        ("AZURE_OPENAI_ENDPOINT", "my-resource.openai.azure.com", "azure-gpt", "AZURE_OPENAI_ENDPOINT"),
    ];
    for (var, value, model, named) in cases {
        let sandbox = Sandbox::new()
            .env(var, value)
            .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
            .env("AWS_SECRET_ACCESS_KEY", "secret")
            .env("OPENAI_API_KEY", "sk-test")
            .env("AZURE_OPENAI_API_KEY", "azure-test");
        let out = sandbox.llmgw().args(["chat", "-m", model, prompt]).assert().code(8);
        let text = stderr(out.get_output());
        assert!(text.contains(named) && text.contains(value) && text.contains("http"), "{var}: {text}");
        assert!(!text.contains(prompt), "{var}: the request leaked: {text}");
    }
    // The same in a provider's settings names the file and field.
    let sandbox = Sandbox::new();
    let config = sandbox.copy_config();
    edit_json(&config.join("providers/openai/settings.json"), |s| {
        s["baseUrl"] = serde_json::json!("api.example.test/v1");
        s.as_object_mut().unwrap().remove("baseUrlEnv");
    });
    let mut cmd = sandbox.llmgw();
    cmd.arg("--config").arg(&config).env("OPENAI_API_KEY", "sk-test").args(["chat", "-m", "gpt", "hi"]);
    let text = stderr(cmd.assert().code(8).get_output());
    assert!(text.contains("providers/openai/settings.json: baseUrl"), "{text}");
}

/// Every number a config file gives is range-checked when the catalogue loads: out of range (zero, negative, huge,
/// a fraction where a count goes) is exit 8 naming the file and the field, whatever the command. A number llmgw
/// cannot use would otherwise be a panic or a timer that never fires.
#[test]
fn every_numeric_config_value_is_range_checked_into_a_config_error() {
    use serde_json::json;
    // (file, the object to edit, field, bad values)
    let settings = "providers/openai/settings.json";
    let models = "providers/openai/models.json";
    let system = "system/defaults.json";
    let cases: [(&str, &[&str], &str, Vec<serde_json::Value>); 10] = [
        (settings, &["timeouts"], "connectMs", vec![json!(0), json!(86_400_001), json!(-5), json!(1e20)]),
        (settings, &["timeouts"], "requestMs", vec![json!(0), json!(u64::MAX)]),
        (settings, &["retries"], "maxAttempts", vec![json!(0), json!(11), json!(4_294_967_296_u64)]),
        (settings, &["retries"], "initialBackoffMs", vec![json!(60_001), json!(-1)]),
        (system, &[], "maxTokens", vec![json!(0), json!(10_000_001), json!(1.5)]),
        (system, &[], "requestTimeoutMs", vec![json!(0), json!(86_400_001)]),
        (models, &["model"], "maxOutputTokens", vec![json!(0), json!(10_000_001)]),
        (models, &["model"], "contextWindow", vec![json!(0), json!(1_000_000_001)]),
        (models, &["model", "pricing"], "inputPerMillion", vec![json!(-0.01), json!(1e308)]),
        (models, &["model", "pricing"], "outputPerMillion", vec![json!(-1), json!(1_000_001)]),
    ];
    let sandbox = Sandbox::new();
    for (file, path, field, values) in cases {
        for value in values {
            let dir = sandbox.copy_config();
            edit_json(&dir.join(file), |doc| {
                let mut at = doc;
                for step in path {
                    at = if *step == "model" { &mut at["vendors"][0]["models"][0] } else { &mut at[*step] };
                }
                at[field] = value.clone();
            });
            let out = sandbox.llmgw().arg("--config").arg(&dir).args(["models", "list"]).output().unwrap();
            let err = stderr(&out);
            let what = format!("{file} {field} = {value}");
            assert_eq!(out.status.code(), Some(8), "{what}: {err}");
            assert!(err.contains(file) && err.contains(field), "{what}: {err}");
            assert!(!err.contains("panicked"), "{what}: {err}");
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }
}

/// A config file must be a regular file of at most 16 MB: a FIFO hung llmgw, a link to /dev/zero read 2 GB. Each
/// is exit 8 naming the file, at once; a link to a regular file (dotfile managers make them) is fine.
#[cfg(unix)]
#[test]
fn a_config_file_that_is_a_fifo_a_device_or_huge_exits_8_naming_it() {
    let sandbox = Sandbox::new();
    let make_fifo = |path: &std::path::Path| {
        let status = std::process::Command::new("mkfifo").arg(path).status().expect("mkfifo");
        assert!(status.success());
    };
    type Spoil = fn(&std::path::Path, &dyn Fn(&std::path::Path));
    let spoils: [(&str, &str, Spoil); 4] = [
        ("providers.json", "FIFO", |p, fifo| fifo(p)),
        ("vendors/meta.json", "FIFO", |p, fifo| fifo(p)),
        ("providers/openai/models.json", "device", |p, _| std::os::unix::fs::symlink("/dev/zero", p).unwrap()),
        ("system/defaults.json", "larger than 16 MB", |p, _| {
            let mut text = String::from("{\"maxTokens\": 100");
            text.push_str(&" ".repeat(17 * 1024 * 1024));
            text.push('}');
            std::fs::write(p, text).unwrap();
        }),
    ];
    for (file, what, spoil) in spoils {
        let dir = sandbox.copy_config();
        let path = dir.join(file);
        std::fs::remove_file(&path).unwrap();
        spoil(&path, &make_fifo);
        let started = std::time::Instant::now();
        let out = sandbox.llmgw().arg("--config").arg(&dir).args(["chat", "-m", "echo", "hi"]).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(8), "{file}: {err}");
        assert!(err.contains(file) && err.contains(what), "{file}: {err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{file}: took {:?}", started.elapsed());
        std::fs::remove_dir_all(&dir).unwrap();
    }
    // A link to a regular file is read through.
    let dir = sandbox.copy_config();
    let real = sandbox.home().join("defaults.json");
    std::fs::rename(dir.join("system/defaults.json"), &real).unwrap();
    std::os::unix::fs::symlink(&real, dir.join("system/defaults.json")).unwrap();
    sandbox.llmgw().arg("--config").arg(&dir).args(["chat", "-m", "echo", "hi"]).assert().success();
}
