//! The rows of one proxy's table on the HTML stats page, cell for cell as
//! 1.4.25 prints them: numbers grouped by thousands, titles carrying the
//! details (response codes, check reason, addresses with `show-legends`),
//! and the server state both as the row's colour class and as text.

use super::html::admin_form;
use super::{
    be_is_up, be_weights, fe_status, health_ratio, hidden, secs_since, srv_downtime, state_source,
    sv_state, sv_weight, DumpOpts,
};
use crate::config::model::{Balance, Mode, StatsCfg};
use crate::state::{Counters, Runtime};
use std::fmt::Write;
use std::time::Instant;

/// A number with its thousands grouped for the eye (1.4's `ulltoh_r`): the
/// digit before each group of three is wrapped in a letter-spaced span.
pub fn u2h(n: u64) -> String {
    let digits = n.to_string();
    let len = digits.len();
    let mut out = String::with_capacity(len + 32);
    for (i, c) in digits.chars().enumerate() {
        let from_right = len - i;
        if from_right > 3 && from_right % 3 == 1 {
            let _ = write!(out, "<span class=\"rls\">{}</span>", c);
        } else {
            out.push(c);
        }
    }
    out
}

/// A limit: the number, or `alt` when unset (1.4's `LIM2A`).
fn lim(n: u32, alt: &str) -> String {
    if n > 0 {
        n.to_string()
    } else {
        alt.to_string()
    }
}

/// A duration as 1.4's `human_time`: the two most significant units.
pub fn human_time(t: u64) -> String {
    let (d, h, m, s) = (t / 86400, t % 86400 / 3600, t % 3600 / 60, t % 60);
    let mut out = String::new();
    let mut cnt = 2;
    if d > 0 {
        let _ = write!(out, "{}d", d);
        cnt -= 1;
    }
    if cnt > 0 && h > 0 {
        let _ = write!(out, "{}h", h);
        cnt -= 1;
    }
    if cnt > 0 && m > 0 {
        let _ = write!(out, "{}m", m);
        cnt -= 1;
    }
    if (cnt > 0 && s > 0) || t == 0 {
        let _ = write!(out, "{}s", s);
    }
    out
}

/// Text for an HTML attribute (1.4's `chunk_htmlencode`).
fn html_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if !(0x20..0x7f).contains(&b) || b"&\"'<>".contains(&b) {
            let _ = write!(out, "&#{};", b);
        } else {
            out.push(b as char);
        }
    }
    out
}

/// The response-code detail of a Total cell; the frontend and server
/// separate the classes with commas, the backend does not.
fn rsp_codes(c: &Counters, commas: bool) -> String {
    let sep = if commas { "," } else { "" };
    let mut out = String::new();
    for (i, v) in c.hrsp[..5].iter().enumerate() {
        let _ = write!(out, " {}xx={}{}", i + 1, v, sep);
    }
    let _ = write!(out, " other={}", c.hrsp[5]);
    out
}

/// All rows of proxy `pxi`: frontend, sockets, servers, backend.
pub fn rows(rt: &Runtime, pxi: usize, cfg: &StatsCfg, o: &DumpOpts, out: &mut String) {
    let p = &rt.cfg.proxies[pxi];
    let form = admin_form(p, o);
    let lg = cfg.show_legends;
    if p.is_fe() {
        fe_row(rt, pxi, form, out);
        if p.flags.socket_stats {
            socket_rows(rt, pxi, form, lg, out);
        }
    }
    if p.is_be() {
        let now = Instant::now();
        for si in 0..p.servers.len() {
            if !hidden(rt, pxi, si, o) {
                sv_row(rt, pxi, si, form, lg, now, out);
            }
        }
        be_row(rt, pxi, form, lg, out);
    }
}

fn fe_row(rt: &Runtime, pxi: usize, form: bool, out: &mut String) {
    let p = &rt.cfg.proxies[pxi];
    let st = &rt.px[pxi];
    let c = &st.fe;
    let http = p.mode == Mode::Http;
    out.push_str("<tr class=\"frontend\">");
    if form {
        out.push_str("<td></td>");
    }
    let n = &p.name;
    let _ = write!(out, "<td class=ac><a name=\"{n}/Frontend\"></a><a class=lfsb href=\"#{n}/Frontend\">Frontend</a></td><td colspan=3></td>");
    let rate = u2h(st.fe_sess_per_sec.read().into());
    let limit = lim(p.rate_limit, "-");
    if http {
        let _ = write!(
            out,
            "<td title=\"Cur: {} req/s\"><u>{}</u></td><td title=\"Max: {} req/s\"><u>{}</u></td><td>{}</td>",
            st.fe_req_per_sec.read(),
            rate,
            c.rps_max,
            u2h(c.sps_max.into()),
            limit
        );
    } else {
        let _ = write!(
            out,
            "<td>{}</td><td>{}</td><td>{}</td>",
            rate,
            u2h(c.sps_max.into()),
            limit
        );
    }
    let _ = write!(
        out,
        "<td>{}</td><td>{}</td><td>{}</td><td",
        u2h(st.feconn.into()),
        u2h(c.max_sess.into()),
        u2h(p.maxconn.into())
    );
    if http {
        let _ = write!(
            out,
            " title=\"{} requests:{}\"",
            c.req_tot,
            rsp_codes(c, true)
        );
    }
    let (u, nu) = if http { ("<u>", "</u>") } else { ("", "") };
    let _ = write!(
        out,
        ">{}{}{}</td><td></td><td>{}</td><td>{}</td>",
        u,
        u2h(c.cum_sess),
        nu,
        u2h(c.bytes_in),
        u2h(c.bytes_out)
    );
    let _ = write!(
        out,
        "<td>{}</td><td>{}</td><td>{}</td><td></td><td></td><td></td><td></td><td class=ac>{}</td><td class=ac colspan=8></td></tr>",
        u2h(c.denied_req),
        u2h(c.denied_rsp),
        u2h(c.failed_req),
        fe_status(rt, pxi)
    );
}

/// `option socket-stats`: one row per listening socket.
fn socket_rows(rt: &Runtime, pxi: usize, form: bool, lg: bool, out: &mut String) {
    let p = &rt.cfg.proxies[pxi];
    for (bi, b) in p.binds.iter().enumerate() {
        let c = rt.li[pxi].get(bi).copied().unwrap_or_default();
        let luid = b.id.unwrap_or(bi as u32 + 1);
        let name = b.name.clone().unwrap_or_else(|| format!("sock-{}", luid));
        out.push_str("<tr class=socket>");
        if form {
            out.push_str("<td></td>");
        }
        out.push_str("<td class=ac");
        if lg {
            let a = match b.addr {
                std::net::SocketAddr::V4(a) => format!("{}:{}", a.ip(), a.port()),
                std::net::SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
            };
            let _ = write!(out, " title=\"IP: {}, id: {}\"", a, luid);
        }
        // 1.4 closes the legend's underline in the queue cell
        let (u, nu) = if lg { ("<u>", "</u>") } else { ("", "") };
        let _ = write!(
            out,
            ">{u}<a name=\"{px}/+{n}\"></a><a class=lfsb href=\"#{px}/+{n}\">{n}</a></td><td colspan=3>{nu}</td><td colspan=3>&nbsp;</td>",
            px = p.name,
            n = name
        );
        let _ = write!(
            out,
            "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>&nbsp;</td><td>{}</td><td>{}</td>",
            u2h(c.cur.into()),
            u2h(c.max.into()),
            u2h(p.maxconn.into()),
            u2h(c.cum),
            u2h(c.bytes_in),
            u2h(c.bytes_out)
        );
        let _ = write!(
            out,
            "<td>{}</td><td>{}</td><td>{}</td><td></td><td></td><td></td><td></td><td class=ac>{}</td><td class=ac colspan=8></td></tr>",
            u2h(c.denied_req),
            u2h(c.denied_resp),
            u2h(c.failed_req),
            if c.cur < p.maxconn { "OPEN" } else { "FULL" }
        );
    }
}

/// The row's colour class: maintenance, else active/backup and the state.
fn sv_class(rt: &Runtime, pxi: usize, si: usize) -> String {
    let svs = state_source(rt, pxi, si);
    if rt.srv[pxi][si].maint || rt.srv[svs.0][svs.1].maint {
        return "maintain".into();
    }
    let backup = rt.cfg.proxies[pxi].servers[si].backup;
    format!(
        "{}{}",
        if backup { "backup" } else { "active" },
        sv_state(rt, svs)
    )
}

fn sv_row(
    rt: &Runtime,
    pxi: usize,
    si: usize,
    form: bool,
    lg: bool,
    now: Instant,
    out: &mut String,
) {
    let p = &rt.cfg.proxies[pxi];
    let c = &p.servers[si];
    let _ = write!(out, "<tr class=\"{}\">", sv_class(rt, pxi, si));
    if form {
        let _ = write!(
            out,
            "<td><input type=\"checkbox\" name=\"s\" value=\"{}\"></td>",
            c.name
        );
    }
    out.push_str("<td class=ac");
    if lg {
        let _ = write!(out, " title=\"IP: {}:{}, id: {}", c.addr, c.port, c.id);
        if let Some(k) = &c.cookie {
            let _ = write!(out, ", cookie: '{}'", html_encode(k));
        }
        out.push('"');
    }
    sv_counters(rt, pxi, si, lg, out);
    sv_status_cells(rt, pxi, si, now, out);
    sv_check_cells(rt, pxi, si, now, out);
}

/// From the name to the warnings: queue, rates, sessions, bytes, errors.
fn sv_counters(rt: &Runtime, pxi: usize, si: usize, lg: bool, out: &mut String) {
    let p = &rt.cfg.proxies[pxi];
    let c = &p.servers[si];
    let s = &rt.srv[pxi][si];
    let k = &s.c;
    let (u, nu) = if lg { ("<u>", "</u>") } else { ("", "") };
    let _ = write!(
        out,
        ">{u}<a name=\"{px}/{n}\"></a><a class=lfsb href=\"#{px}/{n}\">{n}</a>{nu}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td></td><td>{}</td><td>{}</td><td>{}</td><td",
        u2h(s.queue.len() as u64),
        u2h(k.max_queue.into()),
        lim(c.maxqueue, "-"),
        u2h(s.sess_per_sec.read().into()),
        u2h(k.sps_max.into()),
        u2h(s.cur_sess.into()),
        u2h(k.max_sess.into()),
        lim(c.maxconn, "-"),
        px = p.name,
        n = c.name
    );
    let http = p.mode == Mode::Http;
    if http {
        let _ = write!(out, " title=\"rsp codes:{}\"", rsp_codes(k, true));
    }
    let (u, nu) = if http { ("<u>", "</u>") } else { ("", "") };
    let _ = write!(
        out,
        ">{}{}{}</td><td>{}</td><td>{}</td><td>{}</td><td></td><td>{}</td><td></td><td>{}</td>",
        u,
        u2h(k.cum_sess),
        nu,
        u2h(k.lbtot),
        u2h(k.bytes_in),
        u2h(k.bytes_out),
        u2h(k.denied_rsp),
        u2h(k.failed_conns)
    );
    let _ = write!(
        out,
        "<td title=\"Connection resets during transfers: {} client, {} server\"><u>{}</u></td><td>{}</td><td>{}</td>",
        k.cli_abrt,
        k.srv_abrt,
        u2h(k.failed_resp),
        k.retries,
        k.redispatches
    );
}

/// The Status cell and the LastChk cell.
fn sv_status_cells(rt: &Runtime, pxi: usize, si: usize, now: Instant, out: &mut String) {
    let c = &rt.cfg.proxies[pxi].servers[si];
    let s = &rt.srv[pxi][si];
    let svs = state_source(rt, pxi, si);
    let t = &rt.srv[svs.0][svs.1];
    out.push_str("<td class=ac>");
    if s.maint {
        let _ = write!(out, "{} MAINT", human_time(secs_since(now, s.last_change)));
    } else if svs != (pxi, si) && t.maint {
        let _ = write!(
            out,
            "{} MAINT(via)",
            human_time(secs_since(now, t.last_change))
        );
    } else if rt.cfg.proxies[svs.0].servers[svs.1].check {
        let (a, b) = health_ratio(rt, svs);
        let state = match sv_state(rt, svs) {
            0 => "DOWN".to_string(),
            1 => format!("DN {}/{} &uarr;", a, b),
            2 => format!("UP {}/{} &darr;", a, b),
            4 => format!("NOLB {}/{} &darr;", a, b),
            5 => "NOLB".to_string(),
            _ => "UP".to_string(),
        };
        let _ = write!(
            out,
            "{} {}",
            human_time(secs_since(now, t.last_change)),
            state
        );
    }
    if !c.check {
        out.push_str("</td><td>");
        return;
    }
    let _ = write!(out, "</td><td class=ac title=\"{}", s.check_status.desc());
    if !s.check_desc.is_empty() {
        let _ = write!(
            out,
            ": {}",
            html_encode(&String::from_utf8_lossy(&s.check_desc))
        );
    }
    let running = if s.check_running { "* " } else { "" };
    let _ = write!(out, "\"><u> {}{}", running, s.check_status);
    if let Some(code) = s.check_code {
        let _ = write!(out, "/{}", code);
    }
    // a health analysis has no probe, hence no duration
    if let Some(d) = s.check_duration.filter(|&d| d != crate::state::NO_PROBE) {
        let _ = write!(out, " in {}ms</u>", d);
    }
}

/// Weight, act/bck, the check counters and the throttle.
fn sv_check_cells(rt: &Runtime, pxi: usize, si: usize, now: Instant, out: &mut String) {
    let p = &rt.cfg.proxies[pxi];
    let c = &p.servers[si];
    let svs = state_source(rt, pxi, si);
    let _ = write!(
        out,
        "</td><td class=ac>{}</td><td class=ac>{}</td><td class=ac>{}</td>",
        sv_weight(rt, pxi, si),
        if c.backup { "-" } else { "Y" },
        if c.backup { "Y" } else { "-" }
    );
    if c.check {
        let t = &rt.srv[svs.0][svs.1];
        let observe = rt.cfg.proxies[svs.0].servers[svs.1].observe > 0;
        let _ = write!(
            out,
            "<td title=\"Failed Health Checks{}\"><u>{}",
            if observe { "/Health Analyses" } else { "" },
            t.chkfail
        );
        if observe {
            let _ = write!(out, "/{}", t.hanafail);
        }
        let _ = write!(
            out,
            "</u></td><td>{}</td><td>{}</td>",
            t.chkdown,
            human_time(srv_downtime(rt, pxi, si, now))
        );
    } else if svs != (pxi, si) {
        let (tp, ts) = (
            &rt.cfg.proxies[svs.0].name,
            &rt.cfg.proxies[svs.0].servers[svs.1].name,
        );
        let _ = write!(
            out,
            "<td class=ac colspan=3><a class=lfsb href=\"#{tp}/{ts}\">via {tp}/{ts}<a></td>"
        );
    } else {
        out.push_str("<td colspan=3></td>");
    }
    match super::throttle(rt, pxi, si, now) {
        Some(t) => {
            let _ = writeln!(out, "<td class=ac>{} %</td></tr>", t);
        }
        None => out.push_str("<td class=ac>-</td></tr>\n"),
    }
}

/// 1.4's `backend_lb_algo_str`.
fn lb_algo(b: &Balance) -> &'static str {
    match b {
        Balance::RoundRobin => "roundrobin",
        Balance::StaticRr => "static-rr",
        Balance::LeastConn => "leastconn",
        Balance::Source => "source",
        Balance::Uri { .. } => "uri",
        Balance::UrlParam { .. } => "url_param",
        Balance::Hdr { .. } => "hdr",
        Balance::RdpCookie { .. } => "rdp-cookie",
    }
}

fn be_row(rt: &Runtime, pxi: usize, form: bool, lg: bool, out: &mut String) {
    let p = &rt.cfg.proxies[pxi];
    let st = &rt.px[pxi];
    let c = &st.be;
    out.push_str("<tr class=\"backend\">");
    if form {
        out.push_str("<td></td>");
    }
    out.push_str("<td class=ac");
    if lg {
        let _ = write!(out, " title=\"balancing: {}", lb_algo(&p.balance));
        if let Some(k) = &p.cookie {
            let _ = write!(out, ", cookie: '{}'", html_encode(&k.name));
        }
        out.push('"');
    }
    let (u, nu) = if lg { ("<u>", "</u>") } else { ("", "") };
    let _ = write!(
        out,
        ">{u}<a name=\"{n}/Backend\"></a><a class=lfsb href=\"#{n}/Backend\">Backend</a>{nu}</td><td>{}</td><td>{}</td><td></td><td>{}</td><td>{}</td><td></td>",
        u2h(st.queue.len() as u64),
        u2h(c.max_queue.into()),
        u2h(st.be_sess_per_sec.read().into()),
        u2h(c.sps_max.into()),
        n = p.name
    );
    let _ = write!(
        out,
        "<td>{}</td><td>{}</td><td>{}</td><td",
        u2h(st.beconn.into()),
        u2h(c.max_sess.into()),
        u2h(p.fullconn.into())
    );
    let http = p.mode == Mode::Http;
    if http {
        let _ = write!(out, " title=\"rsp codes:{}\"", rsp_codes(c, false));
    }
    let (u, nu) = if http { ("<u>", "</u>") } else { ("", "") };
    let _ = write!(
        out,
        ">{}{}{}</td><td>{}</td><td>{}</td><td>{}</td>",
        u,
        u2h(c.cum_sess),
        nu,
        u2h(c.lbtot),
        u2h(c.bytes_in),
        u2h(c.bytes_out)
    );
    be_status_cells(rt, pxi, out);
}

/// From the denied counters to the end of the backend row.
fn be_status_cells(rt: &Runtime, pxi: usize, out: &mut String) {
    let p = &rt.cfg.proxies[pxi];
    let st = &rt.px[pxi];
    let c = &st.be;
    let (tot, act, bck) = be_weights(rt, pxi);
    let _ = write!(
        out,
        "<td>{}</td><td>{}</td><td></td><td>{}</td><td title=\"Connection resets during transfers: {} client, {} server\"><u>{}</u></td><td>{}</td><td>{}</td>",
        u2h(c.denied_req),
        u2h(c.denied_rsp),
        u2h(c.failed_conns),
        c.cli_abrt,
        c.srv_abrt,
        u2h(c.failed_resp),
        c.retries,
        c.redispatches
    );
    let _ = write!(
        out,
        "<td class=ac>{} {}</td><td class=ac>&nbsp;</td><td class=ac>{}</td><td class=ac>{}</td><td class=ac>{}</td>",
        human_time(secs_since(Instant::now(), st.last_change)),
        if be_is_up(p, tot) {
            "UP"
        } else {
            "<font color=\"red\"><b>DOWN</b></font>"
        },
        tot,
        act,
        bck
    );
    let _ = write!(
        out,
        "<td class=ac>&nbsp;</td><td>{}</td><td>{}</td><td></td></tr>",
        st.down_trans,
        if p.servers.is_empty() {
            "&nbsp;".to_string()
        } else {
            human_time(rt.be_downtime(pxi, Instant::now()))
        }
    );
}

#[cfg(test)]
mod tests {
    use super::{human_time, u2h};

    #[test]
    fn thousands_are_grouped_as_1_4_does() {
        assert_eq!(u2h(0), "0");
        assert_eq!(u2h(999), "999");
        assert_eq!(u2h(2000), "<span class=\"rls\">2</span>000");
        assert_eq!(u2h(12345), "1<span class=\"rls\">2</span>345");
        assert_eq!(
            u2h(1234567),
            "<span class=\"rls\">1</span>23<span class=\"rls\">4</span>567"
        );
    }

    #[test]
    fn human_time_keeps_two_units() {
        assert_eq!(human_time(0), "0s");
        assert_eq!(human_time(59), "59s");
        assert_eq!(human_time(65), "1m5s");
        assert_eq!(human_time(3600), "1h");
        assert_eq!(human_time(3661), "1h1m");
        assert_eq!(human_time(90061), "1d1h");
    }
}
