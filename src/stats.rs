//! The stats page, its CSV export, and `show stat`/`show info` text.

use crate::config::model::{Kind, Proxy};
use crate::http::head::Head;
use crate::state::{Counters, Runtime};
use std::fmt::Write;

/// The realm of the stats page's authentication when none is configured.
pub const DEFAULT_REALM: &str = "HAProxy Statistics";

pub const CSV_HEADER: &str = "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,\n";

/// One CSV row's values, in header order.
pub struct Row {
    pub px: String,
    pub sv: String,
    pub f: Vec<String>,
}

fn n(v: u64) -> String {
    v.to_string()
}

fn counters_fields(c: &Counters, is_fe: bool) -> [String; 6] {
    if is_fe {
        std::array::from_fn(|_| String::new())
    } else {
        [
            n(c.hrsp[0]),
            n(c.hrsp[1]),
            n(c.hrsp[2]),
            n(c.hrsp[3]),
            n(c.hrsp[4]),
            n(c.hrsp[5]),
        ]
    }
}

pub fn server_status(rt: &Runtime, pxi: usize, si: usize) -> String {
    let c = &rt.cfg.proxies[pxi].servers[si];
    let s = &rt.srv[pxi][si];
    if s.maint {
        return "MAINT".into();
    }
    if !c.check {
        return if s.up {
            "no check".into()
        } else {
            "DOWN".into()
        };
    }
    let full = c.rise + c.fall - 1;
    if s.up {
        if s.health >= full {
            "UP".into()
        } else {
            format!("UP {}/{}", s.health + 1 - c.rise, c.fall)
        }
    } else if s.health == 0 {
        "DOWN".into()
    } else {
        format!("DOWN {}/{}", s.health, c.rise)
    }
}

/// `option socket-stats`: one row per listening socket (type 3), named
/// after the bind's `name` or `sock-<id>`, with its own counters.
fn socket_rows(rt: &Runtime, pxi: usize, pid: &str) -> Vec<Row> {
    let p: &Proxy = &rt.cfg.proxies[pxi];
    let empty = |n: usize| vec![String::new(); n];
    let mut rows = Vec::new();
    for (bi, b) in p.binds.iter().enumerate() {
        let c = rt.li[pxi].get(bi).copied().unwrap_or_default();
        let luid = b.id.unwrap_or(bi as u32 + 1);
        let name = b.name.clone().unwrap_or_else(|| format!("sock-{}", luid));
        let mut f = empty(2);
        f.extend([
            n(c.cur as u64),
            n(c.max as u64),
            n(p.maxconn as u64),
            n(c.cum),
            n(c.bytes_in),
            n(c.bytes_out),
            n(c.denied_req),
            n(c.denied_resp),
            n(c.failed_req),
        ]);
        f.extend(empty(4));
        f.push(if c.cur < p.maxconn { "OPEN" } else { "FULL" }.into());
        f.extend(empty(8));
        f.extend([pid.to_string(), n(p.id as u64), n(luid as u64)]);
        f.extend(empty(3));
        f.push("3".into());
        f.extend(empty(18));
        rows.push(Row {
            px: p.name.clone(),
            sv: name,
            f,
        });
    }
    rows
}

/// Rows for one proxy: FRONTEND, servers, BACKEND (1.4's order).
pub fn proxy_rows(rt: &Runtime, pxi: usize) -> Vec<Row> {
    let p: &Proxy = &rt.cfg.proxies[pxi];
    let st = &rt.px[pxi];
    let pid = crate::sys::getpid().to_string();
    let mut rows = Vec::new();
    let now = std::time::Instant::now();
    if p.is_fe() && p.kind != Kind::Defaults {
        let c = &st.fe;
        let status = if st.stopped {
            "STOP"
        } else if st.feconn >= p.maxconn {
            "FULL"
        } else {
            "OPEN"
        };
        let h = if p.mode == crate::config::model::Mode::Http {
            [
                n(c.hrsp[0]),
                n(c.hrsp[1]),
                n(c.hrsp[2]),
                n(c.hrsp[3]),
                n(c.hrsp[4]),
                n(c.hrsp[5]),
            ]
        } else {
            counters_fields(c, true)
        };
        let f = vec![
            String::new(),
            String::new(),
            n(st.feconn as u64),
            n(c.max_sess.max(st.feconn) as u64),
            n(p.maxconn as u64),
            n(st.fe_cum),
            n(c.bytes_in),
            n(c.bytes_out),
            n(c.denied_req),
            n(c.denied_rsp),
            n(c.failed_req),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            status.into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            pid.clone(),
            n(p.id as u64),
            "0".into(),
            String::new(),
            String::new(),
            String::new(),
            "0".into(),
            "0".into(),
            n(p.rate_limit as u64),
            "0".into(),
            String::new(),
            String::new(),
            String::new(),
            h[0].clone(),
            h[1].clone(),
            h[2].clone(),
            h[3].clone(),
            h[4].clone(),
            h[5].clone(),
            String::new(),
            "0".into(),
            "0".into(),
            n(c.req_tot),
            String::new(),
            String::new(),
        ];
        rows.push(Row {
            px: p.name.clone(),
            sv: "FRONTEND".into(),
            f,
        });
        if p.flags.socket_stats {
            rows.extend(socket_rows(rt, pxi, &pid));
        }
    }
    if p.is_be() {
        let (act, bck) = rt.srv_counts(pxi);
        let mut tot_w = 0u64;
        for (si, c) in p.servers.iter().enumerate() {
            let s = &rt.srv[pxi][si];
            if s.usable() && (!c.backup || act == 0) {
                tot_w += s.weight as u64;
            }
            let status = server_status(rt, pxi, si);
            let lastchg = now.saturating_duration_since(s.last_change).as_secs();
            let downtime = s.down_total_secs
                + s.down_since
                    .map(|d| now.saturating_duration_since(d).as_secs())
                    .unwrap_or(0);
            let f = vec![
                n(s.queue.len() as u64),
                n(s.c.max_queue as u64),
                n(s.cur_sess as u64),
                n(s.c.max_sess as u64),
                if c.maxconn > 0 {
                    n(c.maxconn as u64)
                } else {
                    String::new()
                },
                n(s.c.cum_sess),
                n(s.c.bytes_in),
                n(s.c.bytes_out),
                String::new(),
                n(s.c.denied_rsp),
                String::new(),
                n(s.c.failed_conns),
                n(s.c.failed_resp),
                n(s.c.retries),
                n(s.c.redispatches),
                status,
                n(s.weight as u64),
                if c.backup { "0".into() } else { "1".into() },
                if c.backup { "1".into() } else { "0".into() },
                if c.check { n(s.chkfail) } else { String::new() },
                if c.check { n(s.chkdown) } else { String::new() },
                n(lastchg),
                if c.check { n(downtime) } else { String::new() },
                if c.maxqueue > 0 {
                    n(c.maxqueue as u64)
                } else {
                    String::new()
                },
                pid.clone(),
                n(p.id as u64),
                n(c.id as u64),
                String::new(),
                n(s.c.lbtot),
                String::new(),
                "2".into(),
                "0".into(),
                String::new(),
                "0".into(),
                if c.check {
                    s.check_status.to_string()
                } else {
                    String::new()
                },
                s.check_code.map(|c| n(c as u64)).unwrap_or_default(),
                s.check_duration.map(n).unwrap_or_default(),
                n(s.c.hrsp[0]),
                n(s.c.hrsp[1]),
                n(s.c.hrsp[2]),
                n(s.c.hrsp[3]),
                n(s.c.hrsp[4]),
                n(s.c.hrsp[5]),
                n(s.hanafail),
                String::new(),
                String::new(),
                String::new(),
                n(s.c.cli_abrt),
                n(s.c.srv_abrt),
            ];
            rows.push(Row {
                px: p.name.clone(),
                sv: c.name.clone(),
                f,
            });
        }
        let c = &st.be;
        let status = if act + bck > 0 || p.servers.is_empty() && p.dispatch.is_some() {
            "UP"
        } else {
            "DOWN"
        };
        let downtime = 0u64;
        let f = vec![
            n(st.queue.len() as u64),
            n(c.max_queue as u64),
            n(st.beconn as u64),
            n(c.max_sess.max(st.beconn) as u64),
            n(p.fullconn as u64),
            n(st.be_cum),
            n(c.bytes_in),
            n(c.bytes_out),
            n(c.denied_req),
            n(c.denied_rsp),
            String::new(),
            n(c.failed_conns),
            n(c.failed_resp),
            n(c.retries),
            n(c.redispatches),
            status.into(),
            n(tot_w),
            n(act as u64),
            n(bck as u64),
            String::new(),
            "0".into(),
            n(now.saturating_duration_since(st.last_change).as_secs()),
            n(downtime),
            String::new(),
            pid.clone(),
            n(p.id as u64),
            "0".into(),
            String::new(),
            n(c.lbtot),
            String::new(),
            "1".into(),
            "0".into(),
            String::new(),
            "0".into(),
            String::new(),
            String::new(),
            String::new(),
            n(c.hrsp[0]),
            n(c.hrsp[1]),
            n(c.hrsp[2]),
            n(c.hrsp[3]),
            n(c.hrsp[4]),
            n(c.hrsp[5]),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            n(c.cli_abrt),
            n(c.srv_abrt),
        ];
        rows.push(Row {
            px: p.name.clone(),
            sv: "BACKEND".into(),
            f,
        });
    }
    rows
}

pub fn csv(rt: &Runtime, scope: &[String]) -> String {
    let mut out = String::from(CSV_HEADER);
    for (i, p) in rt.cfg.proxies.iter().enumerate() {
        if p.disabled || (!scope.is_empty() && !scope.iter().any(|s| s == &p.name)) {
            continue;
        }
        for r in proxy_rows(rt, i) {
            let _ = write!(out, "{},{},", r.px, r.sv);
            for v in &r.f {
                out.push_str(v);
                out.push(',');
            }
            out.push('\n');
        }
    }
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn uptime(secs: u64) -> String {
    format!(
        "{}d {}h{:02}m{:02}s",
        secs / 86400,
        (secs / 3600) % 24,
        (secs / 60) % 60,
        secs % 60
    )
}

pub fn html(rt: &Runtime, pxi: usize, uri: &str, refresh: Option<u64>) -> String {
    let p = &rt.cfg.proxies[pxi];
    let mut o = String::with_capacity(16384);
    let up = rt.start.elapsed().as_secs();
    let node = if rt.cfg.global.node.is_empty() {
        crate::sys::hostname()
    } else {
        rt.cfg.global.node.clone()
    };
    o.push_str("<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\"\n\"http://www.w3.org/TR/html4/loose.dtd\">\n");
    o.push_str("<html><head><title>Statistics Report for HAProxy</title>\n");
    o.push_str("<meta http-equiv=\"content-type\" content=\"text/html; charset=iso-8859-1\">\n");
    o.push_str("<style type=\"text/css\"><!--\nbody { font-family: arial, helvetica, sans-serif; font-size: 12px; font-weight: normal; color: black; background: white;}\nth,td { font-size: 10px;}\nh1 { font-size: x-large; margin-bottom: 0.5em;}\n.titre { background: #20D0D0; color: #000000; font-weight: bold;}\n.total { background: #20D0D0; color: #ffff80;}\n.frontend { background: #e8e8d0;}\n.backend { background: #e8e8d0;}\n.active3 { background: #c0ffc0;}\n.active0 { background: #ff9090;}\n.maintain { background: #c07820;}\ntable.tbl { border-collapse: collapse; border-style: none;}\ntable.tbl td, table.tbl th { text-align: right; border-style: solid; border-width: 1px; border-color: gray; white-space: nowrap;}\ntable.tbl th.pxname { background: #b00040; color: #ffff40; font-weight: bold; border-style: solid solid none solid; padding: 2px 3px; white-space: nowrap;}\n-->\n</style></head>\n");
    let _ = write!(
        o,
        "<body><h1><a href=\"http://haproxy.1wt.eu/\" style=\"text-decoration: none;\">HAProxy{}</a></h1>\n<h2>Statistics Report for pid {}{}</h2>\n",
        if p.stats.hide_version { String::new() } else { " version 1.4.25, released 2014/03/27".into() },
        crate::sys::getpid(),
        if p.stats.show_node.is_some() { format!(" on {}", esc(&node)) } else { String::new() }
    );
    let _ = write!(
        o,
        "<hr width=\"100%%\" class=\"hr\">\n<h3>&gt; General process information</h3>\n<table border=0><tr><td align=\"left\" nowrap width=\"1%%\">\n<p><b>pid = </b> {} (process #1, nbproc = {})<br>\n<b>uptime = </b> {}<br>\n<b>system limits:</b> memmax = unlimited; ulimit-n = {}<br>\n<b>maxsock = </b> {}; <b>maxconn = </b> {}; <b>maxpipes = </b> 0<br>\ncurrent conns = {}; current pipes = 0/0<br>\nRunning tasks: 1/{}<br>\n</td></tr></table>\n",
        crate::sys::getpid(),
        rt.cfg.global.nbproc,
        uptime(up),
        rt.cfg.global.ulimit_n,
        rt.cfg.global.maxconn * 2 + 10,
        rt.cfg.global.maxconn,
        rt.actconn,
        rt.actconn + 1
    );
    let _ = write!(
        o,
        "<ul><li><a href=\"{0};csv{1}\">CSV export</a><br>\n</ul>\n",
        esc(uri),
        if refresh.is_some() { ";norefresh" } else { "" }
    );
    let scope = &p.stats.scopes;
    for (i, px) in rt.cfg.proxies.iter().enumerate() {
        if px.disabled
            || (!scope.is_empty()
                && !scope
                    .iter()
                    .any(|s| s == &px.name || (s == "." && i == pxi)))
        {
            continue;
        }
        let _ = write!(
            o,
            "<table class=\"tbl\" width=\"100%%\">\n<tr class=\"titre\"><th class=\"pxname\" width=\"10%%\"><a name=\"{0}\"></a><a class=px href=\"#{0}\">{0}</a></th><th class=\"empty\" width=\"90%%\"></th></tr>\n</table>\n<table class=\"tbl\" width=\"100%%\">\n<tr class=\"titre\"><th rowspan=2></th><th colspan=3>Queue</th><th colspan=3>Session rate</th><th colspan=5>Sessions</th><th colspan=2>Bytes</th><th colspan=2>Denied</th><th colspan=3>Errors</th><th colspan=2>Warnings</th><th colspan=9>Server</th></tr>\n<tr class=\"titre\"><th>Cur</th><th>Max</th><th>Limit</th><th>Cur</th><th>Max</th><th>Limit</th><th>Cur</th><th>Max</th><th>Limit</th><th>Total</th><th>LbTot</th><th>In</th><th>Out</th><th>Req</th><th>Resp</th><th>Req</th><th>Conn</th><th>Resp</th><th>Retr</th><th>Redis</th><th>Status</th><th>LastChk</th><th>Wght</th><th>Act</th><th>Bck</th><th>Chk</th><th>Dwn</th><th>Dwntme</th><th>Thrtle</th></tr>\n",
            esc(&px.name)
        );
        for r in proxy_rows(rt, i) {
            let (class, label) = match r.sv.as_str() {
                "FRONTEND" => ("frontend", "Frontend".to_string()),
                "BACKEND" => ("backend", "Backend".to_string()),
                s if r.f.get(30).is_some_and(|t| t == "3") => ("socket", s.to_string()),
                s => ("active3", s.to_string()),
            };
            let f = &r.f;
            let g = |k: usize| f.get(k).cloned().unwrap_or_default();
            let anchor = if class == "active3" {
                format!(
                    "<a name=\"{0}/{1}\"></a><a class=lfsb href=\"#{0}/{1}\">{1}</a>",
                    esc(&r.px),
                    esc(&label)
                )
            } else {
                label.clone()
            };
            let _ = writeln!(
                o,
                "<tr class=\"{}\"><td class=ac>{}</td><td>{}</td><td>{}</td><td>{}</td><td>0</td><td>0</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=ac>{}</td><td class=ac>{} {}</td><td class=ac>{}</td><td class=ac>{}</td><td class=ac>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=ac>-</td></tr>",
                class,
                anchor,
                g(0),
                g(1),
                g(23),
                g(31),
                g(2),
                g(3),
                g(4),
                g(5),
                g(28),
                g(6),
                g(7),
                g(8),
                g(9),
                g(10),
                g(11),
                g(12),
                g(13),
                g(14),
                g(15),
                g(34),
                g(36),
                g(16),
                g(17),
                g(18),
                g(19),
                g(20),
                g(22)
            );
        }
        o.push_str("</table><p>\n");
    }
    o.push_str("</body></html>\n");
    o
}

/// The whole HTTP response for a stats URI request.
pub fn http_response(rt: &Runtime, pxi: usize, h: &Head, _admin: bool, head_only: bool) -> Vec<u8> {
    let p = &rt.cfg.proxies[pxi];
    let uri = String::from_utf8_lossy(h.uri()).into_owned();
    let is_csv = uri.contains(";csv");
    let norefresh = uri.contains(";norefresh");
    let refresh = if p.stats.refresh > 0 && !norefresh {
        Some(p.stats.refresh)
    } else {
        None
    };
    let mut out =
        String::from("HTTP/1.0 200 OK\r\nCache-Control: no-cache\r\nConnection: close\r\n");
    if is_csv {
        out.push_str("Content-Type: text/plain\r\n");
    } else {
        out.push_str("Content-Type: text/html\r\n");
        if let Some(r) = refresh {
            let _ = write!(out, "Refresh: {}\r\n", r);
        }
    }
    out.push_str("\r\n");
    if !head_only {
        if is_csv {
            out.push_str(&csv(rt, &p.stats.scopes));
        } else {
            out.push_str(&html(rt, pxi, &p.stats.uri, refresh));
        }
    }
    out.into_bytes()
}

/// `show info` lines.
pub fn info(rt: &Runtime) -> String {
    let up = rt.start.elapsed().as_secs();
    let g = &rt.cfg.global;
    let mut o = String::new();
    let _ = writeln!(o, "Name: HAProxy");
    let _ = writeln!(o, "Version: 1.4.25");
    let _ = writeln!(o, "Release_date: 2014/03/27");
    let _ = writeln!(o, "Nbproc: {}", g.nbproc);
    let _ = writeln!(o, "Process_num: 1");
    let _ = writeln!(o, "Pid: {}", crate::sys::getpid());
    let _ = writeln!(o, "Uptime: {}", uptime(up));
    let _ = writeln!(o, "Uptime_sec: {}", up);
    let _ = writeln!(o, "Memmax_MB: 0");
    let _ = writeln!(o, "Ulimit-n: {}", g.ulimit_n);
    let _ = writeln!(o, "Maxsock: {}", g.maxconn * 2 + 10);
    let _ = writeln!(o, "Maxconn: {}", g.maxconn);
    let _ = writeln!(o, "Maxpipes: 0");
    let _ = writeln!(o, "CurrConns: {}", rt.actconn);
    let _ = writeln!(o, "PipesUsed: 0");
    let _ = writeln!(o, "PipesFree: 0");
    let _ = writeln!(o, "Tasks: {}", rt.actconn + 1);
    let _ = writeln!(o, "Run_queue: 1");
    let _ = writeln!(
        o,
        "node: {}",
        if g.node.is_empty() {
            crate::sys::hostname()
        } else {
            g.node.clone()
        }
    );
    let _ = writeln!(
        o,
        "description: {}",
        g.description.clone().unwrap_or_default()
    );
    o
}
