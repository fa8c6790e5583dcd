//! The supervisors' live dashboard: a server-rendered page (Chinese, `?lang=en` for English) with a
//! little inline JavaScript and inline SVG charts — no external CDN — fed by a Server-Sent Events
//! stream that follows the sealed event log.
//!
//! Authentication: a browser's `EventSource` cannot send an `Authorization` header, so the page and
//! the read-only routes it calls also accept the bearer token from the `ggzy_monitor` cookie. The
//! cookie is set by opening `/monitoring?token=<bearer token>` once; the server answers with a
//! redirect to `/monitoring` (the token leaves the address bar and history) and sets the cookie
//! `HttpOnly; SameSite=Strict; Path=/`, so scripts cannot read it and other sites cannot send it.
//! Only GET routes accept the cookie; every change (alert handling, rules) still needs the bearer
//! header, so the cookie cannot be used for cross-site requests that change anything.

use crate::stats::{self, html_escape, Dashboard, Stats};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use ggzy_core::time::display_local;
use ggzy_core::{Error, Result};
use ggzy_identity::Actor;
use ggzy_store::Ctx;

pub const COOKIE: &str = "ggzy_monitor";

/// The caller of a read-only monitoring route: bearer header, else the `ggzy_monitor` cookie.
pub struct ReaderActor(pub Actor);

pub fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

impl FromRequestParts<Ctx> for ReaderActor {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, ctx: &Ctx) -> Result<Self> {
        if parts.headers.contains_key(header::AUTHORIZATION) {
            return Ok(ReaderActor(Actor::from_request_parts(parts, ctx).await?));
        }
        let token = cookie_token(&parts.headers).ok_or_else(|| {
            Error::Unauthorized(
                "missing 'Authorization: Bearer <token>' header or monitoring cookie".into(),
            )
        })?;
        Ok(ReaderActor(
            ggzy_identity::service::authenticate(ctx, &token).await?,
        ))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn from_param(s: Option<&str>) -> Lang {
        if s == Some("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }
    fn t<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// Vertical bars with labels, as inline SVG. Values are non-negative decimal strings or integers.
fn bar_chart(title: &str, bars: &[(String, BarValue)]) -> String {
    let max = bars.iter().map(|b| b.1.value).fold(0u128, u128::max).max(1);
    let w = 60 * bars.len().max(1) + 20;
    let mut s = format!(
        "<figure><figcaption>{}</figcaption><svg role=\"img\" width=\"{w}\" height=\"170\" viewBox=\"0 0 {w} 170\">",
        html_escape(title)
    );
    for (i, (label, v)) in bars.iter().enumerate() {
        let h = (v.value * 120 / max) as usize;
        let x = 10 + i * 60;
        s.push_str(&format!(
            "<rect x=\"{x}\" y=\"{}\" width=\"40\" height=\"{h}\" fill=\"#3b6ea5\"><title>{}</title></rect>\
             <text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">{}</text>\
             <text x=\"{}\" y=\"160\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
            130 - h,
            html_escape(&v.shown),
            x + 20,
            125 - h,
            html_escape(&v.shown),
            x + 20,
            html_escape(label)
        ));
    }
    s.push_str("</svg></figure>");
    s
}

/// A bar value: an integer scale for the height (no float) and the text shown.
pub struct BarValue {
    pub value: u128,
    pub shown: String,
}

fn scaled(decimal: &str) -> BarValue {
    // "1234.56" → 123456 (fen or ten-thousandths — only the proportions matter).
    let digits: String = decimal.chars().filter(|c| c.is_ascii_digit()).collect();
    let neg = decimal.starts_with('-');
    BarValue {
        value: if neg { 0 } else { digits.parse().unwrap_or(0) },
        shown: decimal.to_string(),
    }
}

/// The page; its one inline script carries `nonce`, which the answer's Content-Security-Policy
/// names (`ggzy_core::http::csp_with_script_nonce`), so no other script can run on it.
pub fn render(lang: Lang, d: &Dashboard, st: &Stats, nonce: &str) -> String {
    let t = |zh, en| lang.t(zh, en);
    let items = |list: &[stats::BoardItem]| -> String {
        if list.is_empty() {
            return format!("<li class=\"none\">{}</li>", t("无", "none"));
        }
        list.iter()
            .map(|i| {
                format!(
                    "<li>{} {} {} {}</li>",
                    html_escape(&display_local(i.at)[11..16]),
                    html_escape(i.project_code.as_deref().unwrap_or("")),
                    html_escape(i.name.as_deref().or(i.section_id.as_deref()).unwrap_or("")),
                    html_escape(i.room_name.as_deref().unwrap_or(""))
                )
            })
            .collect()
    };
    let alert_items: String = d
        .latest_alerts
        .iter()
        .map(|a| {
            format!(
                "<li class=\"sev-{}\" data-alert=\"{}\"><b>[{}]</b> {} — {}</li>",
                a.severity.as_str(),
                html_escape(&a.id),
                a.severity.as_str(),
                html_escape(&a.rule_id),
                html_escape(if lang == Lang::En {
                    &a.message_en
                } else {
                    &a.message_zh
                })
            )
        })
        .collect();
    let value_bars: Vec<(String, BarValue)> = st
        .by_market_month
        .iter()
        .map(|m| (format!("{} {}", m.market, m.month), scaled(&m.value)))
        .collect();
    let volume_bars: Vec<(String, BarValue)> = st
        .by_market_month
        .iter()
        .map(|m| {
            (
                format!("{} {}", m.market, m.month),
                scaled(&m.awards.to_string()),
            )
        })
        .collect();
    let bidder_bars: Vec<(String, BarValue)> = st
        .bidders_per_section
        .iter()
        .take(20)
        .map(|b| {
            (
                b.name.clone().unwrap_or_else(|| b.section_id.clone()),
                scaled(&b.bidders.to_string()),
            )
        })
        .collect();
    let savings_bars: Vec<(String, BarValue)> = st
        .savings
        .iter()
        .take(20)
        .map(|s| {
            (
                s.name.clone().unwrap_or_else(|| s.section_id.clone()),
                scaled(&s.savings_rate),
            )
        })
        .collect();
    let other = if lang == Lang::En {
        ("中文", "zh")
    } else {
        ("English", "en")
    };
    let lang_attr = if lang == Lang::En { "en" } else { "zh-CN" };
    format!(
        r#"<!doctype html>
<html lang="{lang_attr}"><head><meta charset="utf-8"><title>{title}</title>
<style>
body{{font-family:system-ui,sans-serif;margin:1em 2em;color:#222}} header{{display:flex;justify-content:space-between}}
.grid{{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:1em}} section{{border:1px solid #ddd;border-radius:6px;padding:.5em 1em}}
.sev-high{{color:#b00}} .sev-medium{{color:#b60}} .sev-low{{color:#555}} #events li{{font-family:monospace;font-size:12px}}
.counts span{{display:inline-block;margin-right:1em;font-size:1.4em}} figure{{display:inline-block;margin:0 1em 1em 0}}
</style></head><body>
<header><h1>{title}</h1><nav><a href="?lang={other_code}">{other_name}</a></nav></header>
<p>{today_l}: <b id="today">{today}</b> · {held_l}: <b id="deposits-held">{held}</b> CNY</p>
<div class="grid">
<section><h2>{alerts_l}</h2><p class="counts"><span class="sev-high">{high_l} <b id="count-high">{high}</b></span><span class="sev-medium">{medium_l} <b id="count-medium">{medium}</b></span><span class="sev-low">{low_l} <b id="count-low">{low}</b></span></p>
<ul id="alerts">{alert_items}</ul></section>
<section><h2>{openings_l}</h2><ul id="openings">{openings}</ul><h2>{evaluations_l}</h2><ul id="evaluations">{evaluations}</ul><h2>{rooms_l}</h2><ul id="rooms">{rooms}</ul></section>
<section><h2>{stream_l}</h2><p id="stream-state">…</p><ul id="events"></ul></section>
</div>
<section><h2>{charts_l}</h2>{c1}{c2}{c3}{c4}<p>{avg_l}: {avg} · {sav_l}: {overall}</p></section>
<section><h2>{audit_l}</h2>
<form id="audit-form"><input name="project" placeholder="{project_l}"> <input name="org" placeholder="{org_l}"> <input name="person" placeholder="{person_l}">
<input name="from" type="datetime-local"> <input name="to" type="datetime-local"> <button>{search_l}</button></form>
<p><button id="verify">{verify_l}</button> <span id="verify-result"></span></p>
<p><input id="export-section" placeholder="{section_l}"> <button id="export">{export_l}</button></p>
<table id="audit-results"></table></section>
<script nonce="{nonce}">
(function(){{
  var lang = "{lang_code}";
  function text(tag, s, cls){{ var e = document.createElement(tag); e.textContent = s; if (cls) e.className = cls; return e; }}
  var events = document.getElementById('events'), state = document.getElementById('stream-state');
  var es = new EventSource('/api/v1/monitoring/stream?after={last_seq}');
  es.onopen = function(){{ state.textContent = "{live_l}"; }};
  es.onerror = function(){{ state.textContent = "{reconnect_l}"; }};
  es.onmessage = function(m){{
    var e = JSON.parse(m.data);
    events.insertBefore(text('li', '#' + e.seq + ' ' + e.occurred_at.substring(11, 19) + ' ' + e.event_type + ' ' + e.aggregate_id), events.firstChild);
    while (events.children.length > 100) events.removeChild(events.lastChild);
    if (e.event_type === 'monitoring.alert.raised') {{
      var p = e.payload, li = text('li', '[' + p.severity + '] ' + p.rule_id + ' — ' + (lang === 'en' ? p.message_en : p.message_zh), 'sev-' + p.severity);
      li.setAttribute('data-alert', p.alert_id);
      var list = document.getElementById('alerts'); list.insertBefore(li, list.firstChild);
      var c = document.getElementById('count-' + p.severity); if (c) c.textContent = String(Number(c.textContent) + 1);
    }}
  }};
  document.getElementById('verify').onclick = function(){{
    fetch('/api/v1/monitoring/audit/verify', {{credentials: 'same-origin'}}).then(function(r){{ return r.json(); }}).then(function(v){{
      document.getElementById('verify-result').textContent = v.ok ? ("{chain_ok_l} " + v.checked) : ("{chain_bad_l} #" + v.broken_at + ": " + v.problem);
    }});
  }};
  document.getElementById('export').onclick = function(){{
    var s = document.getElementById('export-section').value.trim();
    if (s) window.location = '/api/v1/monitoring/sections/' + encodeURIComponent(s) + '/history';
  }};
  document.getElementById('audit-form').onsubmit = function(ev){{
    ev.preventDefault();
    var q = new URLSearchParams(), f = ev.target;
    ['project', 'org', 'person'].forEach(function(k){{ if (f[k].value) q.set(k, f[k].value); }});
    ['from', 'to'].forEach(function(k){{ if (f[k].value) q.set(k, new Date(f[k].value).toISOString()); }});
    fetch('/api/v1/monitoring/audit/events?' + q, {{credentials: 'same-origin'}}).then(function(r){{ return r.json(); }}).then(function(v){{
      var t = document.getElementById('audit-results'); t.textContent = '';
      (v.events || []).forEach(function(e){{
        var tr = document.createElement('tr');
        [e.seq, e.occurred_at, e.event_type, e.aggregate_id, e.actor].forEach(function(x){{ tr.appendChild(text('td', String(x))); }});
        t.appendChild(tr);
      }});
    }});
  }};
}})();
</script></body></html>"#,
        nonce = nonce,
        title = t(
            "公共资源交易电子监管",
            "Public resource trading — supervision"
        ),
        other_code = other.1,
        other_name = other.0,
        lang_code = if lang == Lang::En { "en" } else { "zh" },
        today_l = t("今日", "Today"),
        today = d.today,
        held_l = t("在途保证金", "Deposits held"),
        held = html_escape(&d.deposits_held),
        alerts_l = t("未处理预警", "Open alerts"),
        high_l = t("高", "high"),
        medium_l = t("中", "medium"),
        low_l = t("低", "low"),
        high = d.open_alerts.high,
        medium = d.open_alerts.medium,
        low = d.open_alerts.low,
        openings_l = t("今日开标", "Today's openings"),
        openings = items(&d.openings),
        evaluations_l = t("今日评标", "Today's evaluations"),
        evaluations = items(&d.evaluations),
        rooms_l = t("场所占用", "Rooms in use"),
        rooms = items(&d.rooms_in_use),
        stream_l = t("实时事件", "Live events"),
        charts_l = t("统计", "Statistics"),
        c1 = bar_chart(
            t("各市场月成交金额（元）", "Value per market per month (CNY)"),
            &value_bars
        ),
        c2 = bar_chart(
            t("各市场月成交数量", "Awards per market per month"),
            &volume_bars
        ),
        c3 = bar_chart(t("各标段投标人数", "Bidders per section"), &bidder_bars),
        c4 = bar_chart(t("节资率", "Savings rate"), &savings_bars),
        avg_l = t("平均投标人数", "Average bidders"),
        avg = html_escape(&st.average_bidders),
        sav_l = t("总节资率", "Overall savings rate"),
        overall = html_escape(st.overall_savings_rate.as_deref().unwrap_or("-")),
        audit_l = t("审计查询", "Audit"),
        project_l = t("项目/标段编号", "project or section id"),
        org_l = t("单位", "organization"),
        person_l = t("人员（用户ID）", "person (user id)"),
        search_l = t("查询", "Search"),
        verify_l = t("校验哈希链", "Verify hash chain"),
        section_l = t("标段编号", "section id"),
        export_l = t("导出标段全过程", "Export section history"),
        live_l = t("实时连接中", "live"),
        reconnect_l = t("重新连接…", "reconnecting…"),
        chain_ok_l = t("哈希链完整，已校验", "chain intact, checked"),
        chain_bad_l = t("哈希链断裂于", "chain broken at"),
        last_seq = d.last_seq,
        alert_items = alert_items,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; ggzy_monitor=tok123; b=2".parse().expect("header"),
        );
        assert_eq!(cookie_token(&h).as_deref(), Some("tok123"));
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "ggzy_monitor=".parse().expect("header"));
        assert_eq!(cookie_token(&h), None);
    }

    #[test]
    fn chart_labels_are_escaped() {
        let s = bar_chart("<t>", &[("<x>".into(), scaled("10.00"))]);
        assert!(s.contains("&lt;x&gt;") && !s.contains("<x>"));
    }
}
