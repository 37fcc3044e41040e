//! `models list` and `models status`, and how unknown or NOT READY models are explained.

use crate::support::llmgw;
use serde_json::Value;

fn json(args: &[&str], code: i32) -> Value {
    let out = llmgw().args(args).assert().code(code).get_output().clone();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn list_is_a_table_with_the_aliases() {
    let out = llmgw().args(["models", "list"]).assert().success().get_output().clone();
    let text = String::from_utf8_lossy(&out.stdout);
    let header = text.lines().next().unwrap();
    for column in ["MODEL", "PROVIDER", "VENDOR", "STATUS", "BILLING", "ALIASES"] {
        assert!(header.contains(column), "{header}");
    }
    assert!(text.lines().any(|l| l.contains("anthropic") && l.contains("claude,")), "{text}");
    assert!(text.contains("NOT READY"));
    assert!(text.contains("PROVISIONED"));
}

#[test]
fn list_json_has_the_documented_fields_and_filters() {
    let all = json(&["models", "list", "--json"], 0);
    let rows = all.as_array().unwrap();
    assert!(rows.len() > 10);
    for field in ["model_id", "provider", "vendor", "modality", "status", "billing", "provisioned", "aliases"] {
        assert!(rows.iter().all(|r| r.get(field).is_some()), "every row has {field}");
    }
    let meta = json(&["models", "list", "--json", "--vendor", "meta", "--status", "ready"], 0);
    let meta = meta.as_array().unwrap();
    assert!(!meta.is_empty());
    assert!(meta.iter().all(|r| r["vendor"] == "meta" && r["status"] == "READY"));
    let not_ready = json(&["models", "list", "--json", "--status", "not-ready"], 0);
    assert!(not_ready.as_array().unwrap().iter().all(|r| r["status"] == "NOT READY"));
}

#[test]
fn list_with_an_unknown_vendor_is_a_usage_error() {
    llmgw().args(["models", "list", "--vendor", "nosuch"]).assert().code(2);
}

#[test]
fn claude_and_llama_aliases_are_ready() {
    for (alias, vendor) in [("claude", "anthropic"), ("llama", "meta")] {
        let doc = json(&["models", "status", alias, "--json"], 0);
        assert_eq!(doc["available"], true, "{doc}");
        assert_eq!(doc["vendor"], vendor);
        assert!(doc["aliases"].as_array().unwrap().iter().any(|a| a == alias));
    }
}

#[test]
fn status_of_a_not_ready_model_exits_3_with_ordered_suggestions() {
    let doc = json(&["models", "status", "--json", "opus-4.1"], 3);
    assert_eq!(doc["status"], "NOT READY");
    assert_eq!(doc["available"], false);
    let suggestions = doc["suggestions"].as_array().unwrap();
    assert!(!suggestions.is_empty());
    assert_eq!(suggestions[0]["vendor"], "anthropic", "same vendor first: {doc}");
    assert!(suggestions.iter().all(|s| s["provider"] != "local"), "echo is no substitute: {doc}");
    // Same vendor before other vendors.
    let first_other = suggestions.iter().position(|s| s["vendor"] != "anthropic");
    let last_same = suggestions.iter().rposition(|s| s["vendor"] == "anthropic").unwrap();
    if let Some(first_other) = first_other {
        assert!(last_same < first_other, "{doc}");
    }
}

#[test]
fn chat_with_a_not_ready_model_exits_3_and_lists_alternatives() {
    let out = llmgw().args(["chat", "-m", "opus-4.1", "hi"]).assert().code(3).get_output().clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not available"), "{stderr}");
    assert!(stderr.contains("try instead:"), "{stderr}");
    assert!(out.stdout.is_empty());

    let doc = json(&["chat", "--json", "-m", "opus-4.1", "hi"], 3);
    assert_eq!(doc["error"]["code"], "model_not_ready");
    assert_eq!(doc["error"]["exit_code"], 3);
    assert!(!doc["error"]["suggestions"].as_array().unwrap().is_empty());
}

#[test]
fn unknown_model_suggests_close_names() {
    let out = llmgw().args(["chat", "-m", "cluade", "hi"]).assert().code(3).get_output().clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown model 'cluade'"), "{stderr}");
    assert!(stderr.contains("did you mean:") && stderr.contains("claude"), "{stderr}");

    let doc = json(&["--json", "stream", "-m", "lama", "hi"], 3);
    assert_eq!(doc["type"], "error");
    assert_eq!(doc["error"]["code"], "model_not_found");
    let names: Vec<&str> =
        doc["error"]["suggestions"].as_array().unwrap().iter().map(|s| s["model"].as_str().unwrap()).collect();
    assert!(names.iter().any(|n| n.contains("llama")), "{names:?}");
}

#[test]
fn provider_slash_model_form_resolves() {
    let doc = json(&["models", "status", "--json", "local/echo"], 0);
    assert_eq!(doc["model_id"], "echo");
    // echo exists, but not on bedrock: a usage error (exit 2) saying where it is, offering bedrock's models.
    let out = llmgw().args(["chat", "-m", "bedrock/echo", "hi"]).assert().code(2).get_output().clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not served by provider 'bedrock' (it is on local)"), "{err}");
    llmgw().args(["chat", "-m", "bedrock/nosuch", "hi"]).assert().code(3);
}

#[test]
fn color_follows_the_flag_and_no_color() {
    let out = llmgw().args(["--color", "always", "chat", "-m", "cluade", "hi"]).assert().code(3).get_output().clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("\x1b[1;31merror:"), "colored on request");
    let out = llmgw().args(["--color", "never", "chat", "-m", "cluade", "hi"]).assert().code(3).get_output().clone();
    assert!(!String::from_utf8_lossy(&out.stderr).contains('\x1b'));
    let mut cmd = llmgw();
    let out = cmd.env("NO_COLOR", "1").args(["chat", "-m", "cluade", "hi"]).assert().code(3).get_output().clone();
    assert!(!String::from_utf8_lossy(&out.stderr).contains('\x1b'));
}

/// Every table fits the terminal (`COLUMNS`, as `ls` and `gh` take it): no line wider and none ending in blanks;
/// free text wraps within its column, ids stay whole, and when that cannot fit, the least needed columns are left
/// out and stderr names them. Without a width (a pipe), each row is one line, with every column. Prices are
/// right-aligned.
#[test]
fn tables_fit_the_terminal_width_with_no_stray_blanks() {
    let sandbox = crate::support::Sandbox::new();
    let title = "A title long enough to need wrapping on a narrow screen";
    sandbox.llmgw().args(["conv", "create", "--title", title]).assert().success();
    sandbox.llmgw().args(["chat", "-m", "echo", "hi"]).assert().success();
    let table = |args: &[&str], columns: Option<&str>| {
        let mut cmd = sandbox.llmgw();
        cmd.env_remove("COLUMNS");
        if let Some(c) = columns {
            cmd.env("COLUMNS", c);
        }
        let out = cmd.args(args).assert().success().get_output().clone();
        (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
    };
    let letters = |t: &str| {
        let mut c: Vec<char> = t.chars().filter(|c| !c.is_whitespace()).collect();
        c.sort_unstable();
        c
    };
    let commands: [&[&str]; 4] = [&["models", "list"], &["models", "status"], &["conv", "list"], &["metrics"]];
    for args in commands {
        let (wide, quiet) = table(args, None);
        assert_eq!(quiet, "", "{args:?}: nothing is left out without a width");
        let header: Vec<&str> =
            wide.lines().next().unwrap().split("  ").map(str::trim).filter(|h| !h.is_empty()).collect();
        for width in [60, 80, 100, 400] {
            let (text, stderr) = table(args, Some(&width.to_string()));
            assert!(!text.starts_with(' '), "{args:?} at {width}:\n{text}");
            for line in text.lines() {
                assert!(line.chars().count() <= width, "{args:?} at {width}: {line:?} is wider\n{text}");
                assert!(!line.ends_with(' '), "{args:?} at {width}: {line:?}");
            }
            let missing: Vec<&str> =
                header.iter().copied().filter(|h| !text.lines().next().unwrap().contains(h)).collect();
            if missing.is_empty() {
                assert_eq!(letters(&text), letters(&wide), "{args:?} at {width} lost text:\n{text}");
                assert_eq!(stderr, "", "{args:?} at {width}");
            } else {
                assert!(stderr.contains(&format!("left out to fit the terminal: {}", missing.join(", "))), "{stderr}");
            }
        }
        assert_eq!(table(args, Some("400")).0, wide, "{args:?}: room enough, as without a width");
    }
    let (conv, _) = table(&["conv", "list"], Some("80"));
    assert!(conv.contains("wrapping") && !conv.contains(title), "the title wraps:\n{conv}");
    let (list, _) = table(&["models", "list"], None);
    let json = table(&["models", "list", "--json"], None).0;
    assert_eq!(list.lines().count(), json.matches("model_id").count() + 1, "one line per model without a width");
    // $/M IN/OUT is the last column, right-aligned: every price ends where its header does.
    let end = list.lines().next().unwrap().len();
    for line in list.lines().skip(1) {
        assert_eq!(line.len(), end, "{line:?}");
    }
}
