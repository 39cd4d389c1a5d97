//! The HTML stats page, laid out element for element as 1.4.25 renders it
//! (`stats_dump_http` and the table parts of `stats_dump_proxy`): style
//! sheet, general process information with the legend and the display
//! options, the `;st=` banner of an admin action, then one table per proxy.
//! The rows themselves are in `html_rows.rs`.

use super::info::{node, uptime, Limits};
use super::{html_rows, listed, DumpOpts, StCode, RELATIVE_PID};
use crate::config::model::{Proxy, StatsCfg};
use crate::state::Runtime;
use std::fmt::Write;

const STYLE: &str = "<style type=\"text/css\"><!--\n\
body { font-family: arial, helvetica, sans-serif; font-size: 12px; font-weight: normal; color: black; background: white;}\n\
th,td { font-size: 10px;}\n\
h1 { font-size: x-large; margin-bottom: 0.5em;}\n\
h2 { font-family: helvetica, arial; font-size: x-large; font-weight: bold; font-style: italic; color: #6020a0; margin-top: 0em; margin-bottom: 0em;}\n\
h3 { font-family: helvetica, arial; font-size: 16px; font-weight: bold; color: #b00040; background: #e8e8d0; margin-top: 0em; margin-bottom: 0em;}\n\
li { margin-top: 0.25em; margin-right: 2em;}\n\
.hr {margin-top: 0.25em; border-color: black; border-bottom-style: solid;}\n\
.titre\t{background: #20D0D0;color: #000000; font-weight: bold; text-align: center;}\n\
.total\t{background: #20D0D0;color: #ffff80;}\n\
.frontend\t{background: #e8e8d0;}\n\
.socket\t{background: #d0d0d0;}\n\
.backend\t{background: #e8e8d0;}\n\
.active0\t{background: #ff9090;}\n\
.active1\t{background: #ffd020;}\n\
.active2\t{background: #ffffa0;}\n\
.active3\t{background: #c0ffc0;}\n\
.active4\t{background: #ffffa0;}\n\
.active5\t{background: #a0e0a0;}\n\
.active6\t{background: #e0e0e0;}\n\
.backup0\t{background: #ff9090;}\n\
.backup1\t{background: #ff80ff;}\n\
.backup2\t{background: #c060ff;}\n\
.backup3\t{background: #b0d0ff;}\n\
.backup4\t{background: #c060ff;}\n\
.backup5\t{background: #90b0e0;}\n\
.backup6\t{background: #e0e0e0;}\n\
.maintain\t{background: #c07820;}\n\
.rls      {letter-spacing: 0.2em; margin-right: 1px;}\n\
\n\
a.px:link {color: #ffff40; text-decoration: none;}\
a.px:visited {color: #ffff40; text-decoration: none;}\
a.px:hover {color: #ffffff; text-decoration: none;}\
a.lfsb:link {color: #000000; text-decoration: none;}\
a.lfsb:visited {color: #000000; text-decoration: none;}\
a.lfsb:hover {color: #505050; text-decoration: none;}\
\n\
table.tbl { border-collapse: collapse; border-style: none;}\n\
table.tbl td { text-align: right; border-width: 1px 1px 1px 1px; border-style: solid solid solid solid; padding: 2px 3px; border-color: gray; white-space: nowrap;}\n\
table.tbl td.ac { text-align: center;}\n\
table.tbl th { border-width: 1px; border-style: solid solid solid solid; border-color: gray;}\n\
table.tbl th.pxname { background: #b00040; color: #ffff40; font-weight: bold; border-style: solid solid none solid; padding: 2px 3px; white-space: nowrap;}\n\
table.tbl th.empty { border-style: none; empty-cells: hide; background: white;}\n\
table.tbl th.desc { background: white; border-style: solid solid none solid; text-align: left; padding: 2px 3px;}\n\
\n\
table.lgd { border-collapse: collapse; border-width: 1px; border-style: none none none solid; border-color: black;}\n\
table.lgd td { border-width: 1px; border-style: solid solid solid solid; border-color: gray; padding: 2px;}\n\
table.lgd td.noborder { border-style: none; padding: 2px; white-space: nowrap;}\n\
u {text-decoration:none; border-bottom: 1px dotted black;}\n\
-->\n\
</style></head>\n";

const LEGEND: &str = "</td><td align=\"center\" nowrap>\n\
<table class=\"lgd\"><tr>\n\
<td class=\"active3\">&nbsp;</td><td class=\"noborder\">active UP </td>\
<td class=\"backup3\">&nbsp;</td><td class=\"noborder\">backup UP </td>\
</tr><tr>\n\
<td class=\"active2\"></td><td class=\"noborder\">active UP, going down </td>\
<td class=\"backup2\"></td><td class=\"noborder\">backup UP, going down </td>\
</tr><tr>\n\
<td class=\"active1\"></td><td class=\"noborder\">active DOWN, going up </td>\
<td class=\"backup1\"></td><td class=\"noborder\">backup DOWN, going up </td>\
</tr><tr>\n\
<td class=\"active0\"></td><td class=\"noborder\">active or backup DOWN &nbsp;</td>\
<td class=\"active6\"></td><td class=\"noborder\">not checked </td>\
</tr><tr>\n\
<td class=\"maintain\"></td><td class=\"noborder\" colspan=\"3\">active or backup DOWN for maintenance (MAINT) &nbsp;</td>\
</tr></table>\n\
Note: UP with load-balancing disabled is reported as \"NOLB\".</td>\
<td align=\"left\" valign=\"top\" nowrap width=\"1%\">\
<b>Display option:</b><ul style=\"margin-top: 0.25em;\">";

const EXTERNAL: &str = "</ul></td>\
<td align=\"left\" valign=\"top\" nowrap width=\"1%\">\
<b>External resources:</b><ul style=\"margin-top: 0.25em;\">\n\
<li><a href=\"http://haproxy.1wt.eu/\">Primary site</a><br>\n\
<li><a href=\"http://haproxy.1wt.eu/#down\">Updates (v1.4)</a><br>\n\
<li><a href=\"http://haproxy.1wt.eu/#docs\">Online manual</a><br>\n\
</ul></td></tr></table>\n";

/// The whole page served by proxy `pxi`'s stats settings.
pub fn page(rt: &Runtime, pxi: usize, o: &DumpOpts) -> String {
    let cfg = &rt.cfg.proxies[pxi].stats;
    let mut out = String::with_capacity(16384);
    let on_node = match &cfg.show_node {
        Some(n) if !n.is_empty() => format!(" on {}", n),
        Some(_) => format!(" on {}", node(rt)),
        None => String::new(),
    };
    out.push_str("<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\"\n\"http://www.w3.org/TR/html4/loose.dtd\">\n");
    let _ = write!(
        out,
        "<html><head><title>Statistics Report for HAProxy{}</title>\n<meta http-equiv=\"content-type\" content=\"text/html; charset=iso-8859-1\">\n",
        on_node
    );
    out.push_str(STYLE);
    general_info(rt, cfg, &on_node, &mut out);
    out.push_str(LEGEND);
    display_options(cfg, o, &mut out);
    out.push_str(EXTERNAL);
    if let Some(code) = o.st_code {
        banner(code, &cfg.uri, &mut out);
    }
    for i in 0..rt.cfg.proxies.len() {
        if listed(rt, i, o, Some((cfg, pxi))) {
            proxy_table(rt, i, cfg, o, &mut out);
        }
    }
    out.push_str("</body></html>\n");
    out
}

/// The title, the process section and its limits.
fn general_info(rt: &Runtime, cfg: &StatsCfg, on_node: &str, out: &mut String) {
    let pid = crate::sys::getpid();
    let up = rt.start.elapsed().as_secs();
    let l = Limits::of(rt);
    let desc = cfg
        .show_desc
        .as_ref()
        .map(|d| format!(": {}", d))
        .unwrap_or_default();
    let _ = write!(
        out,
        "<body><h1><a href=\"http://haproxy.1wt.eu/\" style=\"text-decoration: none;\">HAProxy{}</a></h1>\n\
<h2>Statistics Report for pid {}{}{}</h2>\n\
<hr width=\"100%\" class=\"hr\">\n\
<h3>&gt; General process information</h3>\n\
<table border=0><tr><td align=\"left\" nowrap width=\"1%\">\n",
        if cfg.hide_version {
            ""
        } else {
            " version 1.4.25, released 2014/03/27"
        },
        pid,
        on_node,
        desc
    );
    let _ = write!(
        out,
        "<p><b>pid = </b> {} (process #{}, nbproc = {})<br>\n\
<b>uptime = </b> {}<br>\n\
<b>system limits:</b> memmax = {}; ulimit-n = {}<br>\n\
<b>maxsock = </b> {}; <b>maxconn = </b> {}; <b>maxpipes = </b> {}<br>\n\
current conns = {}; current pipes = 0/0<br>\n\
Running tasks: {}/{}<br>\n",
        pid,
        RELATIVE_PID,
        rt.cfg.global.nbproc,
        uptime(up),
        if l.memmax_mb > 0 {
            format!("{} MB", l.memmax_mb)
        } else {
            "unlimited".to_string()
        },
        l.ulimit_n,
        l.maxsock,
        l.maxconn,
        l.maxpipes,
        l.actconn,
        l.run_queue,
        l.tasks
    );
}

/// The "Display option" links, which keep the page's own flags.
fn display_options(cfg: &StatsCfg, o: &DumpOpts, out: &mut String) {
    let uri = &cfg.uri;
    let nr = if o.no_refresh { ";norefresh" } else { "" };
    let up = if o.hide_down { ";up" } else { "" };
    if o.hide_down {
        let _ = writeln!(
            out,
            "<li><a href=\"{}{}\">Show all servers</a><br>",
            uri, nr
        );
    } else {
        let _ = writeln!(
            out,
            "<li><a href=\"{};up{}\">Hide 'DOWN' servers</a><br>",
            uri, nr
        );
    }
    if cfg.refresh > 0 {
        if o.no_refresh {
            let _ = writeln!(out, "<li><a href=\"{}{}\">Enable refresh</a><br>", uri, up);
        } else {
            let _ = writeln!(
                out,
                "<li><a href=\"{}{};norefresh\">Disable refresh</a><br>",
                uri, up
            );
        }
    }
    let _ = writeln!(
        out,
        "<li><a href=\"{}{}{}\">Refresh now</a><br>",
        uri, up, nr
    );
    let _ = writeln!(
        out,
        "<li><a href=\"{};csv{}\">CSV export</a><br>",
        uri,
        if cfg.refresh > 0 { ";norefresh" } else { "" }
    );
}

/// The result of an admin action, from the `;st=` of the redirect.
fn banner(code: StCode, uri: &str, out: &mut String) {
    let (class, text) = match code {
        StCode::Done => ("active3", "Action processed successfully."),
        StCode::None => ("active2", "Nothing has changed."),
        StCode::Part => (
            "active2",
            "Action partially processed.<br>Some server names are probably unknown or ambiguous (duplicated names in the backend).",
        ),
        StCode::Errp => (
            "active0",
            "Action not processed because of invalid parameters.<ul><li>The action is maybe unknown.</li><li>The backend name is probably unknown or ambiguous (duplicated names).</li><li>Some server names are probably unknown or ambiguous (duplicated names in the backend).</li></ul>",
        ),
        StCode::Excd => (
            "active0",
            "<b>Action not processed : the buffer couldn't store all the data.<br>You should retry with less servers at a time.</b>",
        ),
        StCode::Deny => ("active0", "<b>Action denied.</b>"),
        StCode::Unkn => ("active6", "Unexpected result."),
    };
    let _ = write!(
        out,
        "<p><div class={}><a class=lfsb href=\"{}\" title=\"Remove this message\">[X]</a> {}</div>\n<p>\n",
        class, uri, text
    );
}

/// Whether the proxy's table carries the admin checkboxes and form.
pub fn admin_form(p: &Proxy, o: &DumpOpts) -> bool {
    o.admin && p.is_be() && !p.servers.is_empty()
}

/// One proxy: its name header, column titles, rows and closing form.
fn proxy_table(rt: &Runtime, pxi: usize, cfg: &StatsCfg, o: &DumpOpts, out: &mut String) {
    let p = &rt.cfg.proxies[pxi];
    let form = admin_form(p, o);
    if form {
        let _ = write!(out, "<form action=\"{}\" method=\"post\">", cfg.uri);
    }
    out.push_str("<table class=\"tbl\" width=\"100%\">\n<tr class=\"titre\"><th class=\"pxname\" width=\"10%\"");
    if cfg.show_legends {
        let _ = write!(
            out,
            " title=\"cap: {}, mode: {}, id: {}\"",
            cap_str(p),
            mode_str(p),
            p.id
        );
    }
    let (u, nu) = if cfg.show_legends {
        ("<u>", "</u>")
    } else {
        ("", "")
    };
    let _ = write!(
        out,
        ">{u}<a name=\"{n}\"></a><a class=px href=\"#{n}\">{n}</a>{nu}</th><th class=\"{c}\" width=\"90%\">{d}</th></tr>\n</table>\n<table class=\"tbl\" width=\"100%\">\n<tr class=\"titre\">",
        u = u,
        nu = nu,
        n = p.name,
        c = if p.description.is_some() { "desc" } else { "empty" },
        d = p.description.as_deref().unwrap_or("")
    );
    if form {
        out.push_str("<th rowspan=2 width=1></th>");
    }
    out.push_str("<th rowspan=2></th><th colspan=3>Queue</th><th colspan=3>Session rate</th><th colspan=5>Sessions</th><th colspan=2>Bytes</th><th colspan=2>Denied</th><th colspan=3>Errors</th><th colspan=2>Warnings</th><th colspan=9>Server</th></tr>\n<tr class=\"titre\"><th>Cur</th><th>Max</th><th>Limit</th><th>Cur</th><th>Max</th><th>Limit</th><th>Cur</th><th>Max</th><th>Limit</th><th>Total</th><th>LbTot</th><th>In</th><th>Out</th><th>Req</th><th>Resp</th><th>Req</th><th>Conn</th><th>Resp</th><th>Retr</th><th>Redis</th><th>Status</th><th>LastChk</th><th>Wght</th><th>Act</th><th>Bck</th><th>Chk</th><th>Dwn</th><th>Dwntme</th><th>Thrtle</th>\n</tr>");
    html_rows::rows(rt, pxi, cfg, o, out);
    out.push_str("</table>");
    if form {
        let _ = write!(
            out,
            "Choose the action to perform on the checked servers : <select name=action><option value=\"\"></option><option value=\"disable\">Disable</option><option value=\"enable\">Enable</option><option value=\"stop\">Soft Stop</option><option value=\"start\">Soft Start</option></select><input type=\"hidden\" name=\"b\" value=\"#{}\">&nbsp;<input type=\"submit\" value=\"Apply\"></form>",
            p.id
        );
    }
    out.push_str("<p>\n");
}

/// 1.4's `proxy_cap_str`.
fn cap_str(p: &Proxy) -> &'static str {
    match (p.is_fe(), p.is_be()) {
        (true, true) => "proxy",
        (true, false) => "frontend",
        (false, true) => "backend",
        _ => "ruleset",
    }
}

/// 1.4's `proxy_mode_str`.
fn mode_str(p: &Proxy) -> &'static str {
    match p.mode {
        crate::config::model::Mode::Http => "http",
        crate::config::model::Mode::Tcp => "tcp",
        _ => "health",
    }
}
