//! The CSV form of the statistics (HTTP `;csv` and the socket's
//! `show stat`): one line per frontend, listening socket, server and
//! backend, in 1.4's column order, with the columns each row type leaves
//! empty left empty.

use super::{
    be_is_up, be_weights, fe_status, health_ratio, hidden, listed, secs_since, srv_downtime,
    state_source, sv_state, sv_weight, DumpOpts, RELATIVE_PID, TYPE_BE, TYPE_FE, TYPE_SO, TYPE_SV,
};
use crate::config::model::{Mode, StatsCfg};
use crate::state::{Counters, Runtime};
use std::fmt::{Display, Write};
use std::time::Instant;

pub const CSV_HEADER: &str = "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,\n";

/// One CSV line being written: every value is followed by a comma.
struct Line<'a>(&'a mut String);

impl Line<'_> {
    fn v(&mut self, v: impl Display) -> &mut Self {
        let _ = write!(self.0, "{},", v);
        self
    }

    /// `n` empty columns.
    fn e(&mut self, n: usize) -> &mut Self {
        for _ in 0..n {
            self.0.push(',');
        }
        self
    }

    /// A limit: its value, or empty when unset (1.4's `LIM2A0(n, "")`).
    fn lim(&mut self, n: u32) -> &mut Self {
        if n > 0 {
            self.v(n)
        } else {
            self.e(1)
        }
    }

    /// hrsp_1xx..hrsp_5xx then hrsp_other, HTTP proxies only.
    fn hrsp(&mut self, c: &Counters, http: bool) -> &mut Self {
        if !http {
            return self.e(6);
        }
        for v in c.hrsp {
            self.v(v);
        }
        self
    }

    fn end(&mut self) {
        self.0.push('\n');
    }
}

/// The whole CSV: header then the rows of every listed proxy. `scope` is
/// the page's stats settings and proxy for HTTP dumps, None on the socket.
pub fn csv(rt: &Runtime, o: &DumpOpts, scope: Option<(&StatsCfg, usize)>) -> String {
    let mut out = String::from(CSV_HEADER);
    for pxi in 0..rt.cfg.proxies.len() {
        if listed(rt, pxi, o, scope) {
            proxy_rows(rt, pxi, o, &mut out);
        }
    }
    // keep-alive to servers: one extension column, only when in use
    rt.idle.csv_with_idle(rt.cfg, out)
}

/// One proxy's rows in 1.4's order: FRONTEND, sockets, servers, BACKEND.
fn proxy_rows(rt: &Runtime, pxi: usize, o: &DumpOpts, out: &mut String) {
    let p = &rt.cfg.proxies[pxi];
    let wants = |t| o.bound.is_none_or(|b| b.has(t));
    if p.is_fe() && wants(TYPE_FE) {
        fe_row(rt, pxi, out);
    }
    if p.is_fe() && p.flags.socket_stats {
        socket_rows(rt, pxi, o, out);
    }
    if p.is_be() && wants(TYPE_SV) {
        let now = Instant::now();
        for si in 0..p.servers.len() {
            let sid_ok = o
                .bound
                .is_none_or(|b| b.sid == -1 || b.sid == i64::from(p.servers[si].id));
            if sid_ok && !hidden(rt, pxi, si, o) {
                sv_row(rt, pxi, si, now, out);
            }
        }
    }
    if p.is_be() && wants(TYPE_BE) {
        be_row(rt, pxi, out);
    }
}

fn fe_row(rt: &Runtime, pxi: usize, out: &mut String) {
    let p = &rt.cfg.proxies[pxi];
    let st = &rt.px[pxi];
    let c = &st.fe;
    let mut l = Line(out);
    l.v(&p.name).v("FRONTEND").e(2);
    l.v(st.feconn).v(c.max_sess).v(p.maxconn).v(c.cum_sess);
    l.v(c.bytes_in)
        .v(c.bytes_out)
        .v(c.denied_req)
        .v(c.denied_rsp);
    l.v(c.failed_req).e(2).e(2).v(fe_status(rt, pxi)).e(8);
    l.v(RELATIVE_PID).v(p.id).v(0).e(3).v(TYPE_FE);
    l.v(st.fe_sess_per_sec.read())
        .v(p.rate_limit)
        .v(c.sps_max)
        .e(3);
    l.hrsp(c, p.mode == Mode::Http).e(1);
    l.v(st.fe_req_per_sec.read())
        .v(c.rps_max)
        .v(c.req_tot)
        .e(2)
        .end();
}

/// `option socket-stats`: one row per listening socket, named after the
/// bind's `name` or `sock-<id>`, with its own counters.
fn socket_rows(rt: &Runtime, pxi: usize, o: &DumpOpts, out: &mut String) {
    let p = &rt.cfg.proxies[pxi];
    if o.bound.is_some_and(|b| !b.has(TYPE_SO)) {
        return;
    }
    for (bi, b) in p.binds.iter().enumerate() {
        let c = rt.li[pxi].get(bi).copied().unwrap_or_default();
        let luid = b.id.unwrap_or(bi as u32 + 1);
        if o.bound
            .is_some_and(|b| b.sid != -1 && b.sid != i64::from(luid))
        {
            continue;
        }
        let name = b.name.clone().unwrap_or_else(|| format!("sock-{}", luid));
        let mut l = Line(out);
        l.v(&p.name).v(name).e(2);
        l.v(c.cur)
            .v(c.max)
            .v(p.maxconn)
            .v(c.cum)
            .v(c.bytes_in)
            .v(c.bytes_out);
        l.v(c.denied_req).v(c.denied_resp).v(c.failed_req).e(2).e(2);
        l.v(if c.cur < p.maxconn { "OPEN" } else { "FULL" }).e(8);
        l.v(RELATIVE_PID).v(p.id).v(luid).e(3).v(TYPE_SO);
        l.e(3).e(3).e(6).e(1).e(3).e(2).end();
    }
}

/// A server's status column: MAINT, MAINT(via) when the tracked server is
/// in maintenance, else the (tracked) health state.
fn sv_status(rt: &Runtime, pxi: usize, si: usize) -> String {
    let svs = state_source(rt, pxi, si);
    if rt.srv[pxi][si].maint {
        return "MAINT".into();
    }
    if svs != (pxi, si) && rt.srv[svs.0][svs.1].maint {
        return "MAINT(via)".into();
    }
    let (a, b) = health_ratio(rt, svs);
    match sv_state(rt, svs) {
        0 => "DOWN".into(),
        1 => format!("DOWN {}/{}", a, b),
        2 => format!("UP {}/{}", a, b),
        3 => "UP".into(),
        4 => format!("NOLB {}/{}", a, b),
        5 => "NOLB".into(),
        _ => "no check".into(),
    }
}

fn sv_row(rt: &Runtime, pxi: usize, si: usize, now: Instant, out: &mut String) {
    let p = &rt.cfg.proxies[pxi];
    let c = &p.servers[si];
    let s = &rt.srv[pxi][si];
    let k = &s.c;
    let mut l = Line(out);
    l.v(&p.name).v(&c.name).v(s.queue.len()).v(k.max_queue);
    l.v(s.cur_sess).v(k.max_sess).lim(c.maxconn).v(k.cum_sess);
    l.v(k.bytes_in).v(k.bytes_out).e(1).v(k.denied_rsp);
    l.e(1)
        .v(k.failed_conns)
        .v(k.failed_resp)
        .v(k.retries)
        .v(k.redispatches);
    l.v(sv_status(rt, pxi, si)).v(sv_weight(rt, pxi, si));
    l.v(u8::from(!c.backup)).v(u8::from(c.backup));
    if c.check {
        l.v(s.chkfail)
            .v(s.chkdown)
            .v(secs_since(now, s.last_change));
        l.v(srv_downtime(rt, pxi, si, now));
    } else {
        l.e(4);
    }
    l.lim(c.maxqueue).v(RELATIVE_PID).v(p.id).v(c.id);
    // throttle: the slowstart ramp while warming up
    match super::throttle(rt, pxi, si, now) {
        Some(t) => l.v(t),
        None => l.e(1),
    };
    l.v(k.lbtot);
    let svs = super::state_source(rt, pxi, si);
    if svs != (pxi, si) {
        let t = &rt.cfg.proxies[svs.0];
        l.v(format_args!("{}/{}", t.name, t.servers[svs.1].name));
    } else {
        l.e(1);
    }
    l.v(TYPE_SV).v(s.sess_per_sec.read()).e(1).v(k.sps_max);
    if c.check {
        l.v(s.check_status);
        l.v(s.check_code.map(|v| v.to_string()).unwrap_or_default());
        l.v(s.check_duration.map(|v| v.to_string()).unwrap_or_default());
    } else {
        l.e(3);
    }
    l.hrsp(k, p.mode == Mode::Http).v(s.hanafail).e(3);
    l.v(k.cli_abrt).v(k.srv_abrt).end();
}

fn be_row(rt: &Runtime, pxi: usize, out: &mut String) {
    let p = &rt.cfg.proxies[pxi];
    let st = &rt.px[pxi];
    let c = &st.be;
    let (tot, act, bck) = be_weights(rt, pxi);
    let mut l = Line(out);
    l.v(&p.name).v("BACKEND").v(st.queue.len()).v(c.max_queue);
    l.v(st.beconn).v(c.max_sess).v(p.fullconn).v(c.cum_sess);
    l.v(c.bytes_in)
        .v(c.bytes_out)
        .v(c.denied_req)
        .v(c.denied_rsp);
    l.e(1)
        .v(c.failed_conns)
        .v(c.failed_resp)
        .v(c.retries)
        .v(c.redispatches);
    l.v(if be_is_up(p, tot) { "UP" } else { "DOWN" });
    l.v(tot).v(act).v(bck).e(1);
    let now = Instant::now();
    l.v(st.down_trans)
        .v(secs_since(now, st.last_change))
        .v(rt.be_downtime(pxi, now))
        .e(1);
    l.v(RELATIVE_PID)
        .v(p.id)
        .v(0)
        .e(1)
        .v(c.lbtot)
        .e(1)
        .v(TYPE_BE);
    l.v(st.be_sess_per_sec.read()).e(1).v(c.sps_max).e(3);
    l.hrsp(c, p.mode == Mode::Http).e(1).e(3);
    l.v(c.cli_abrt).v(c.srv_abrt).end();
}
