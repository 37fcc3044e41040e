//! `llmgw report` through the real binary, from records real requests wrote (the local OpenAI server, the offline
//! model, failures, a limit), rendered in headless Chromium (Debian's `chromium`, which `.ci/run` installs): the
//! page's text and structure as the browser parsed them, and a screenshot in which a chart drew.

use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::openai::{OpenAiServer, Reply, completion, openai_sandbox};
use crate::support::{Sandbox, stderr};

/// The browser, or `None` (with a note) when it is not installed. When `LLMGW_TEST_CHROMIUM` names it (as
/// `.ci/run` does), it must be there: the test never passes by skipping in CI.
fn chromium() -> Option<PathBuf> {
    let named = std::env::var_os("LLMGW_TEST_CHROMIUM").map(PathBuf::from);
    let found = named
        .clone()
        .or_else(|| ["/usr/bin/chromium", "/usr/bin/chromium-browser"].iter().map(PathBuf::from).find(|p| p.exists()));
    match (found, named) {
        (Some(path), _) if path.exists() => Some(path),
        (_, Some(named)) => panic!("LLMGW_TEST_CHROMIUM names {}, which is not there", named.display()),
        _ => {
            eprintln!("skipped: chromium is not installed");
            None
        }
    }
}

fn browser(chromium: &Path, home: &Path, args: &[&str]) -> std::process::Output {
    Command::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions"])
        .arg(format!("--user-data-dir={}", home.join("chromium-profile").display()))
        .args(args)
        .env("HOME", home)
        .output()
        .expect("run chromium")
}

/// A sandbox with a limit, and records of real requests: priced OpenAI replies for two users, offline ones, a
/// rejected request and a refusal by the limit.
fn recorded() -> (OpenAiServer, Sandbox) {
    let server = OpenAiServer::builder()
        .fallback(|request| match request.body["temperature"].as_f64() {
            Some(t) if t > 1.5 => Reply::error(400, "invalid_request_error", "too hot"),
            _ => Reply::Json(completion("gpt-4o", "an answer", 120, 80, "stop")),
        })
        .start()
        .unwrap();
    let sandbox = openai_sandbox(&server);
    let dir = sandbox.home().join("report-config");
    std::fs::create_dir_all(dir.join("system")).unwrap();
    std::fs::write(dir.join("providers.json"), r#"{"base": "builtin", "providers": []}"#).unwrap();
    let rules = json!({"rules": [{"name": "ci-<budget>", "scope": {"user": "*"}, "limits": {"requests_per_day": 4}}]});
    std::fs::write(dir.join("system/limits.json"), rules.to_string()).unwrap();
    let sandbox = sandbox.env("LLMGW_CONFIG_DIR", dir);
    for (user, model) in [("ann", "4o"), ("ann", "4o"), ("bob", "4o"), ("bob", "echo"), ("carol", "echo")] {
        sandbox.llmgw().args(["chat", "-m", model, "--user", user, "hello"]).assert().success();
    }
    sandbox.llmgw().args(["chat", "-m", "4o", "--user", "carol", "--temperature", "1.9", "hi"]).assert().code(2);
    // ann's third and fourth requests of the day are her last: the fifth is refused by the limit.
    for code in [0, 0, 6] {
        sandbox.llmgw().args(["chat", "-m", "echo", "--user", "ann", "hi"]).assert().code(code);
    }
    (server, sandbox)
}

#[test]
fn the_report_is_one_self_contained_page_that_a_browser_renders_with_its_charts() {
    let (_server, sandbox) = recorded();
    let file = sandbox.home().join("usage.html");
    let out = sandbox.llmgw().arg("report").arg("-o").arg(&file).assert().success();
    assert!(stderr(out.get_output()).contains("wrote "), "{}", stderr(out.get_output()));
    let html = std::fs::read_to_string(&file).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("name=\"viewport\""), "readable on a phone");
    assert!(
        !html.contains("<script") && !html.contains("http://") && !html.contains("https://"),
        "no scripts, no network"
    );
    for id in ["totals", "requests", "cost", "latency", "errors", "users", "limits"] {
        assert!(html.contains(&format!("<h2 id=\"{id}\">")), "section {id}");
    }
    assert!(html.contains("ci-&lt;budget&gt;") && !html.contains("ci-<budget>"), "names are escaped");
    assert!(html.matches("<svg").count() >= 6 && html.matches("<title id=").count() >= 6, "every chart has a title");
    assert!(html.matches("<desc id=").count() >= 6 && html.matches("<summary>The numbers</summary>").count() >= 6);
    // The same page on stdout when it is not a terminal.
    let piped = sandbox.llmgw().args(["report"]).assert().success().get_output().stdout.clone();
    assert!(String::from_utf8_lossy(&piped).starts_with("<!DOCTYPE html>"));
    sandbox.llmgw().args(["report", "--since", "last week"]).assert().code(2);

    let Some(chromium) = chromium() else { return };
    let url = format!("file://{}", file.display());
    let dom = browser(&chromium, sandbox.home(), &["--dump-dom", &url]);
    let dom = String::from_utf8_lossy(&dom.stdout).to_string();
    assert!(dom.contains("<h1>llmgw usage report</h1>"), "the browser parsed the page: {}", &dom[..dom.len().min(500)]);
    // What the browser shows: the totals (9 requests: 7 answered, one rejected, one refused by the limit)...
    let totals = dom.split("<h2 id=\"totals\">").nth(1).unwrap();
    assert!(totals.contains("<li>Requests<b>9</b></li>"), "{totals}");
    assert!(totals.contains("<li>Succeeded<b>77.8%</b></li>"), "{totals}");
    // ...requests per day stacked by model, the users by cost (ann and bob paid, carol did not), errors by code.
    let requests = dom.split("<h2 id=\"requests\">").nth(1).unwrap().split("<h2").next().unwrap();
    assert!(
        requests.contains("gpt-4o") && requests.contains("echo") && requests.contains("class=\"bar\""),
        "{requests}"
    );
    let users = dom.split("<h2 id=\"users\">").nth(1).unwrap().split("<h2").next().unwrap();
    let (ann, bob) = (users.find(">ann<").unwrap(), users.find(">bob<").unwrap());
    assert!(ann < bob, "ann paid for two, bob for one: {users}");
    let errors = dom.split("<h2 id=\"errors\">").nth(1).unwrap().split("<h2").next().unwrap();
    assert!(errors.contains("quota_exceeded") && errors.contains(">usage<"), "{errors}");
    let limits = dom.split("<h2 id=\"limits\">").nth(1).unwrap().split("<h2").next().unwrap();
    assert!(limits.contains("100%: 4 of 4"), "ann used all of the limit: {limits}");

    // A chart drew: the first series' colour covers part of a screenshot.
    let shot = sandbox.home().join("shot.png");
    let taken = browser(
        &chromium,
        sandbox.home(),
        &[&format!("--screenshot={}", shot.display()), "--window-size=1100,1600", &url],
    );
    assert!(shot.exists(), "no screenshot: {}", String::from_utf8_lossy(&taken.stderr));
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let channels = info.color_type.samples();
    let near = |value: u8, want: u8| value.abs_diff(want) < 12;
    let blue = pixels[..info.buffer_size()]
        .chunks(channels)
        .filter(|p| near(p[0], 0x00) && near(p[1], 0x72) && near(p[2], 0xB2))
        .count();
    assert!(blue > 2_000, "the bars of the charts drew ({blue} pixels of the first series' colour)");
}

#[test]
fn a_report_of_an_empty_window_says_so_in_each_section() {
    let sandbox = Sandbox::new();
    sandbox.llmgw().args(["chat", "-m", "echo", "hi"]).assert().success();
    let page = sandbox
        .llmgw()
        .args(["report", "--since", "2999-01-01T00:00:00Z"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let page = String::from_utf8_lossy(&page);
    assert!(page.contains("<li>Requests<b>0</b></li>"), "{page}");
    assert!(page.matches("Nothing recorded in this window.").count() >= 3, "{page}");
    assert!(page.contains("No limits are configured"));
}

#[cfg(unix)]
#[test]
fn the_report_is_never_written_through_a_link_or_over_a_fifo() {
    let sandbox = Sandbox::new();
    sandbox.llmgw().args(["chat", "-m", "echo", "hi"]).assert().success();
    let target = sandbox.home().join("precious.txt");
    std::fs::write(&target, "keep me").unwrap();
    let link = sandbox.home().join("usage.html");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = sandbox.llmgw().arg("report").arg("-o").arg(&link).assert().code(2);
    assert!(stderr(out.get_output()).contains("symbolic link"), "{}", stderr(out.get_output()));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    let fifo = sandbox.home().join("fifo.html");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let out = sandbox.llmgw().arg("report").arg("-o").arg(&fifo).assert().code(2);
    assert!(stderr(out.get_output()).contains("FIFO"), "{}", stderr(out.get_output()));
}
