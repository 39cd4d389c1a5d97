//! What health checks send: the fixed probe packets of ssl-hello-chk,
//! mysql-check and ldap-check, and the `http-check send-state` header.

use crate::state::Runtime;

pub use crate::payload::{mysql_packet, ssl_hello_packet};

/// `option ldap-check`'s anonymous LDAPv3 bind request (messageID 1).
pub const LDAP_BIND_REQUEST: &[u8] = b"\x30\x0c\x02\x01\x01\x60\x07\x02\x01\x03\x04\x00\x80\x00";

/// `http-check send-state`: the server's state as 1.4 reports it to the
/// server itself.
pub fn send_state_header(rt: &Runtime, pi: usize, si: usize) -> String {
    let cfg = rt.cfg;
    let px = &cfg.proxies[pi];
    let c = &px.servers[si];
    let st = &rt.srv[pi][si];
    let full = c.rise + c.fall - 1;
    let state = if st.up {
        let nolb = if st.nolb { "NOLB" } else { "UP" };
        if st.health == full {
            nolb.to_string()
        } else {
            format!(
                "{} {}/{}",
                nolb,
                (st.health + 1).saturating_sub(c.rise),
                c.fall
            )
        }
    } else if st.health > 0 {
        format!("DOWN {}/{}", st.health, c.rise)
    } else {
        "DOWN".to_string()
    };
    let node = if cfg.global.node.is_empty() {
        crate::sys::hostname()
    } else {
        cfg.global.node.clone()
    };
    // the farm's weight: what the usable servers of the group in use weigh
    let (act, _) = rt.srv_counts(pi);
    let tot: u32 = px
        .servers
        .iter()
        .zip(&rt.srv[pi])
        .filter(|(k, s)| s.lb_usable() && (k.backup == (act == 0)))
        .map(|(_, s)| s.weight)
        .sum();
    let pend =
        rt.px[pi].queue.len() as u32 + rt.srv[pi].iter().map(|s| s.queue.len() as u32).sum::<u32>();
    // slowstart: how far the warm-up went, in whole seconds as 1.4 counts
    let throttle = match st.warm_until {
        Some(t) if c.slowstart > 0 && t > std::time::Instant::now() => {
            let secs = std::time::Instant::now()
                .saturating_duration_since(st.last_change)
                .as_secs();
            let ratio = (100 * secs / c.slowstart.div_ceil(1000)).max(1);
            format!("; throttle={}%", ratio)
        }
        _ => String::new(),
    };
    format!(
        "X-Haproxy-Server-State: {}; name={}/{}; node={}; weight={}/{}; scur={}/{}; qcur={}{}\r\n",
        state,
        px.name,
        c.name,
        node,
        st.weight,
        tot,
        st.cur_sess,
        rt.px[pi].beconn.saturating_sub(pend),
        st.queue.len(),
        throttle
    )
}
