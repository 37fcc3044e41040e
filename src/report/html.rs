//! The usage report as one HTML page: no scripts, no network, charts as inline SVG that scale with the page (a
//! phone or a wide screen), each chart with a text alternative (its `<title>` and `<desc>`, and its numbers in a
//! table under it). Every text from the store (model names, user ids, error codes) is escaped.

use super::{LimitUse, Report};
use crate::store::DayModel;
use crate::time::rfc3339;
use std::fmt::Write;

/// Colours of the stacked series, readable on white and told apart by people with common colour blindness
/// (Okabe and Ito's palette); the last is "other".
const PALETTE: [&str; 8] = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999"];
/// Models shown apart in the stacked charts; the rest are "other".
const TOP_MODELS: usize = 7;

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1a1a1a;background:#fff}
main{max-width:1100px;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
.totals{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.5rem;padding:0;list-style:none}
.totals li{border:1px solid #ddd;border-radius:6px;padding:.5rem}.totals b{display:block;font-size:1.25rem}
figure{margin:0 0 1rem}svg{width:100%;height:auto;display:block}
.legend{display:flex;flex-wrap:wrap;gap:.25rem 1rem;padding:0;list-style:none;font-size:.85rem}
.legend span{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:right}
td:first-child,th:first-child{text-align:left}details{margin:.25rem 0 1rem}
.none{color:#666;font-style:italic}
";

/// The whole page.
pub fn render(report: &Report) -> String {
    let mut page = String::with_capacity(64 * 1024);
    let (from, to) = (rfc3339(report.since_ms), rfc3339(report.until_ms));
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>llmgw usage report</title><style>{STYLE}</style></head><body><main>\
         <h1>llmgw usage report</h1><p>From {} to {} (UTC).</p>",
        esc(&from),
        esc(&to)
    );
    totals(&mut page, report);
    let days: Vec<i64> = (report.since_ms.div_euclid(DAY)..=report.until_ms.div_euclid(DAY)).collect();
    stacked(&mut page, "requests", "Requests per day, by model", &days, &report.by_day_model, |d| d.requests as f64);
    stacked(&mut page, "cost", "Cost per day (USD), by model", &days, &report.by_day_model, |d| d.cost_usd);
    latency(&mut page, report, &days);
    bars(
        &mut page,
        "errors",
        "Failures by error code",
        "error code",
        "failures",
        &report.errors.iter().map(|(code, n)| (code.clone(), *n as f64, n.to_string())).collect::<Vec<_>>(),
    );
    let users: Vec<(String, f64, String)> = report
        .users
        .iter()
        .take(10)
        .map(|u| {
            (u.key.clone(), u.stats.cost_usd, format!("{:.4} USD, {} requests", u.stats.cost_usd, u.stats.requests))
        })
        .collect();
    bars(&mut page, "users", "Top users by cost (USD)", "user", "cost", &users);
    limits(&mut page, &report.limits);
    page.push_str("<p><small>Made by llmgw from its database.</small></p></main></body></html>\n");
    page
}

const DAY: i64 = 86_400_000;

fn day_name(day: i64) -> String {
    rfc3339(day * DAY)[..10].to_string()
}

fn totals(page: &mut String, r: &Report) {
    let t = &r.total;
    let rate = t.success_rate.map_or("-".to_string(), |r| format!("{:.1}%", r * 100.0));
    let items = [
        ("Requests", t.requests.to_string()),
        ("Succeeded", rate),
        ("Input tokens", t.input_tokens.to_string()),
        ("Output tokens", t.output_tokens.to_string()),
        ("Cost", format!("{:.4} USD", t.cost_usd)),
        ("Cached replies", format!("{} (saved {:.4} USD)", t.cached, t.saved_usd)),
        ("Latency p50 / p95", format!("{} / {} ms", t.duration_ms.p50, t.duration_ms.p95)),
        (
            "First token p50 / p95",
            match (t.ttft_ms.p50, t.ttft_ms.p95) {
                (Some(a), Some(b)) => format!("{a} / {b} ms"),
                _ => "-".into(),
            },
        ),
    ];
    page.push_str("<h2 id=\"totals\">Totals</h2><ul class=\"totals\">");
    for (name, value) in items {
        let _ = write!(page, "<li>{}<b>{}</b></li>", esc(name), esc(&value));
    }
    page.push_str("</ul>");
}

/// A chart's frame: 800 x 300 units, the plot inside the margins.
const W: f64 = 800.0;
const H: f64 = 300.0;
const LEFT: f64 = 60.0;
const BOTTOM: f64 = 40.0;
const TOP: f64 = 10.0;

fn axis(svg: &mut String, max: f64, unit: &str) {
    let plot_h = H - BOTTOM - TOP;
    for i in 0..=4 {
        let v = max * f64::from(i) / 4.0;
        let y = H - BOTTOM - plot_h * f64::from(i) / 4.0;
        let _ = write!(
            svg,
            "<line x1=\"{LEFT}\" x2=\"{W}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#eee\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#555\">{}</text>",
            LEFT - 4.0,
            y + 4.0,
            esc(&short(v, unit))
        );
    }
}

fn short(v: f64, unit: &str) -> String {
    match unit {
        "usd" if v < 1.0 => format!("{v:.3}"),
        "usd" => format!("{v:.1}"),
        _ if v >= 1e6 => format!("{:.1}M", v / 1e6),
        _ if v >= 1e3 => format!("{:.1}k", v / 1e3),
        _ if v.fract() != 0.0 && v < 10.0 => format!("{v:.1}"),
        _ => format!("{v:.0}"),
    }
}

/// Bars per day, stacked by model: the top models by total, the rest as "other".
fn stacked(
    page: &mut String,
    id: &str,
    title: &str,
    days: &[i64],
    rows: &[DayModel],
    value: impl Fn(&DayModel) -> f64,
) {
    let mut totals: Vec<(String, f64)> = Vec::new();
    for r in rows {
        match totals.iter_mut().find(|(m, _)| *m == r.model) {
            Some(t) => t.1 += value(r),
            None => totals.push((r.model.clone(), value(r))),
        }
    }
    totals.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut series: Vec<String> = totals.iter().take(TOP_MODELS).map(|(m, _)| m.clone()).collect();
    let other = totals.len() > TOP_MODELS;
    if other {
        series.push("other".into());
    }
    let index = |model: &str| series.iter().position(|s| s == model).unwrap_or(series.len() - 1);
    // grid[day][series]
    let mut grid = vec![vec![0.0; series.len().max(1)]; days.len()];
    for r in rows {
        if let Some(d) = days.iter().position(|&d| d == r.day) {
            grid[d][index(&r.model)] += value(r);
        }
    }
    let _ = write!(page, "<h2 id=\"{id}\">{}</h2>", esc(title));
    if rows.is_empty() || totals.iter().all(|(_, v)| *v == 0.0) {
        page.push_str("<p class=\"none\">Nothing recorded in this window.</p>");
        return;
    }
    let max = grid.iter().map(|d| d.iter().sum::<f64>()).fold(0.0, f64::max).max(f64::MIN_POSITIVE);
    let unit = if id == "cost" { "usd" } else { "" };
    let plot_w = W - LEFT;
    let slot = plot_w / days.len() as f64;
    let bar = (slot * 0.8).max(1.0);
    let plot_h = H - BOTTOM - TOP;
    let desc = format!(
        "{} days from {} to {}; {} series",
        days.len(),
        day_name(days[0]),
        day_name(days[days.len() - 1]),
        series.len()
    );
    let mut svg = format!(
        "<svg viewBox=\"0 0 {W} {H}\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\"><title id=\"{id}-t\">{}</title>\
         <desc id=\"{id}-d\">{}</desc>",
        esc(title),
        esc(&desc)
    );
    axis(&mut svg, max, unit);
    for (d, values) in grid.iter().enumerate() {
        let x = LEFT + slot * d as f64 + (slot - bar) / 2.0;
        let mut y = H - BOTTOM;
        for (s, v) in values.iter().enumerate() {
            if *v <= 0.0 {
                continue;
            }
            let h = plot_h * v / max;
            y -= h;
            let _ = write!(
                svg,
                "<rect class=\"bar\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{h:.1}\" fill=\"{}\">\
                 <title>{}: {}, {}</title></rect>",
                PALETTE[s.min(PALETTE.len() - 1)],
                esc(&day_name(days[d])),
                esc(&series[s]),
                esc(&short(*v, unit))
            );
        }
    }
    label_days(&mut svg, days, slot);
    svg.push_str("</svg>");
    let _ = write!(page, "<figure>{svg}<ul class=\"legend\">");
    for (s, name) in series.iter().enumerate() {
        let _ = write!(
            page,
            "<li><span style=\"background:{}\"></span>{}</li>",
            PALETTE[s.min(PALETTE.len() - 1)],
            esc(name)
        );
    }
    page.push_str("</ul></figure><details><summary>The numbers</summary><table><tr><th>day</th>");
    for name in &series {
        let _ = write!(page, "<th>{}</th>", esc(name));
    }
    page.push_str("</tr>");
    for (d, values) in grid.iter().enumerate() {
        let _ = write!(page, "<tr><td>{}</td>", day_name(days[d]));
        for v in values {
            let _ = write!(page, "<td>{}</td>", if unit == "usd" { format!("{v:.4}") } else { format!("{v:.0}") });
        }
        page.push_str("</tr>");
    }
    page.push_str("</table></details>");
}

fn label_days(svg: &mut String, days: &[i64], slot: f64) {
    let every = days.len().div_ceil(10).max(1);
    for (d, day) in days.iter().enumerate().filter(|(d, _)| d % every == 0) {
        let x = LEFT + slot * (d as f64 + 0.5);
        let _ = write!(
            svg,
            "<text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">{}</text>",
            H - BOTTOM + 16.0,
            &day_name(*day)[5..]
        );
    }
}

/// p50 and p95 latency, and p95 time to first token, per day, as lines.
fn latency(page: &mut String, r: &Report, days: &[i64]) {
    page.push_str("<h2 id=\"latency\">Latency and time to first token per day (ms)</h2>");
    let by_day = |day: i64| r.days.iter().find(|g| g.key == day_name(day));
    type Series<'a> = (&'static str, &'static str, Box<dyn Fn(i64) -> Option<f64> + 'a>);
    let series: [Series; 3] = [
        (
            "latency p50",
            PALETTE[0],
            Box::new(|d| by_day(d).filter(|g| g.stats.requests > 0).map(|g| g.stats.duration_ms.p50 as f64)),
        ),
        (
            "latency p95",
            PALETTE[5],
            Box::new(|d| by_day(d).filter(|g| g.stats.requests > 0).map(|g| g.stats.duration_ms.p95 as f64)),
        ),
        ("first token p95", PALETTE[2], Box::new(|d| by_day(d).and_then(|g| g.stats.ttft_ms.p95).map(|v| v as f64))),
    ];
    let max = days.iter().flat_map(|&d| series.iter().filter_map(move |(_, _, f)| f(d))).fold(0.0, f64::max).max(1.0);
    if r.days.iter().all(|g| g.stats.requests == 0) {
        page.push_str("<p class=\"none\">Nothing recorded in this window.</p>");
        return;
    }
    let slot = (W - LEFT) / days.len() as f64;
    let plot_h = H - BOTTOM - TOP;
    let mut svg = format!(
        "<svg viewBox=\"0 0 {W} {H}\" role=\"img\" aria-labelledby=\"latency-t latency-d\">\
         <title id=\"latency-t\">Latency p50 and p95 and time to first token p95 per day</title>\
         <desc id=\"latency-d\">Milliseconds, one point per day with requests; the table below has the numbers.</desc>"
    );
    axis(&mut svg, max, "");
    for (name, colour, f) in &series {
        let points: Vec<String> = days
            .iter()
            .enumerate()
            .filter_map(|(i, &d)| {
                f(d).map(|v| format!("{:.1},{:.1}", LEFT + slot * (i as f64 + 0.5), H - BOTTOM - plot_h * v / max))
            })
            .collect();
        if points.is_empty() {
            continue;
        }
        let _ = write!(
            svg,
            "<polyline class=\"line\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2.5\" points=\"{}\"><title>{}</title></polyline>",
            points.join(" "),
            esc(name)
        );
        for p in &points {
            let (x, y) = p.split_once(',').unwrap_or(("0", "0"));
            let _ = write!(svg, "<circle cx=\"{x}\" cy=\"{y}\" r=\"3\" fill=\"{colour}\"/>");
        }
    }
    label_days(&mut svg, days, slot);
    svg.push_str("</svg>");
    let _ = write!(page, "<figure>{svg}<ul class=\"legend\">");
    for (name, colour, _) in &series {
        let _ = write!(page, "<li><span style=\"background:{colour}\"></span>{}</li>", esc(name));
    }
    page.push_str(
        "</ul></figure><details><summary>The numbers</summary><table><tr><th>day</th><th>requests</th>\
                   <th>latency p50</th><th>latency p95</th><th>first token p95</th></tr>",
    );
    for g in &r.days {
        let ttft = g.stats.ttft_ms.p95.map_or("-".to_string(), |v| v.to_string());
        let _ = write!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{ttft}</td></tr>",
            esc(&g.key),
            g.stats.requests,
            g.stats.duration_ms.p50,
            g.stats.duration_ms.p95
        );
    }
    page.push_str("</table></details>");
}

/// Horizontal bars, one per row: (label, value, value in words).
fn bars(page: &mut String, id: &str, title: &str, what: &str, measure: &str, rows: &[(String, f64, String)]) {
    let max = rows.iter().map(|r| r.1).fold(0.0, f64::max).max(f64::MIN_POSITIVE);
    bars_up_to(page, id, title, what, measure, rows, max)
}

/// [`bars`] on a scale from 0 to `max` (100 for shares of a limit).
fn bars_up_to(
    page: &mut String,
    id: &str,
    title: &str,
    what: &str,
    measure: &str,
    rows: &[(String, f64, String)],
    max: f64,
) {
    let _ = write!(page, "<h2 id=\"{id}\">{}</h2>", esc(title));
    if rows.is_empty() {
        page.push_str("<p class=\"none\">None in this window.</p>");
        return;
    }
    let row_h = 26.0;
    let height = row_h * rows.len() as f64 + 10.0;
    let label_w = 270.0;
    let _ = write!(
        page,
        "<figure><svg viewBox=\"0 0 {W} {height}\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\">\
         <title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{} {what}s; the table below has the numbers.</desc>",
        esc(title),
        rows.len()
    );
    for (i, (label, value, words)) in rows.iter().enumerate() {
        let y = 5.0 + row_h * i as f64;
        let w = ((W - label_w - 160.0) * value.min(max) / max).max(1.0);
        let _ = write!(
            page,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\">{}</text>\
             <rect class=\"bar\" x=\"{label_w}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{}: {}</title></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\">{}</text>",
            label_w - 6.0,
            y + 16.0,
            esc(&truncate(label, 38)),
            row_h - 8.0,
            PALETTE[0],
            esc(label),
            esc(words),
            label_w + w + 6.0,
            y + 16.0,
            esc(words)
        );
    }
    let _ = write!(
        page,
        "</svg></figure><details><summary>The numbers</summary><table><tr><th>{what}</th><th>{measure}</th></tr>"
    );
    for (label, _, words) in rows {
        let _ = write!(page, "<tr><td>{}</td><td>{}</td></tr>", esc(label), esc(words));
    }
    page.push_str("</table></details>");
}

fn limits(page: &mut String, limits: &[LimitUse]) {
    let rows: Vec<(String, f64, String)> = limits
        .iter()
        .map(|l| {
            let share = if l.limit > 0.0 { l.used / l.limit * 100.0 } else { 100.0 };
            let amount =
                |v: f64| if l.limit_name.starts_with("cost_usd") { format!("{v:.2}") } else { format!("{v:.0}") };
            (
                format!("{} ({}) {}", l.rule, l.scope, l.limit_name),
                share,
                format!("{share:.0}%: {} of {}", amount(l.used), amount(l.limit)),
            )
        })
        .collect();
    if rows.is_empty() {
        page.push_str("<h2 id=\"limits\">Limits: use in the current window (%)</h2><p class=\"none\">No limits are configured (config/system/limits.json).</p>");
        return;
    }
    bars_up_to(page, "limits", "Limits: use in the current window (%)", "limit", "use", &rows, 100.0);
}

fn truncate(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// Text made safe inside HTML and SVG.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_the_store_is_escaped() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(truncate("abcdef", 3), "abc…");
        assert_eq!(truncate("ab", 3), "ab");
    }
}
