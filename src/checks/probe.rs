//! What health checks send: the fixed probe packets of ssl-hello-chk,
//! mysql-check and ldap-check, and the `http-check send-state` header.

use crate::state::Runtime;

/// The SSLv3 CLIENT HELLO 1.4 sends for `option ssl-hello-chk` (bytes
/// 11..15 get the current time at each check).
pub fn ssl_hello_packet() -> Vec<u8> {
    let mut p = vec![
        0x16, 0x03, 0x00, 0x00, 0x79, 0x01, 0x00, 0x00, 0x75, 0x03, 0x00, 0, 0, 0, 0,
    ];
    p.extend_from_slice(b"HAPROXYSSLCHK\nHAPROXYSSLCHK\n");
    p.push(0x00);
    p.extend_from_slice(&[0x00, 0x4E]);
    let ciphers: Vec<u8> = (0x01..=0x1Bu8).chain(0x2F..=0x3Au8).collect();
    for c in ciphers {
        p.extend_from_slice(&[0x00, c]);
    }
    p.extend_from_slice(&[0x01, 0x00]);
    p
}

/// The MySQL client authentication packet of `option mysql-check user U`
/// followed by a COM_QUIT, laid out as 1.4 builds it.
pub fn mysql_packet(user: &str) -> Vec<u8> {
    let ulen = user.len();
    let packetlen = ulen + 7;
    let reqlen = packetlen + 9;
    let mut p = vec![0u8; reqlen];
    p[0] = (packetlen & 0xff) as u8;
    p[1] = ((packetlen >> 8) & 0xff) as u8;
    p[2] = ((packetlen >> 16) & 0xff) as u8;
    p[3] = 1;
    p[5] = 128;
    p[8] = 1;
    p[9..9 + ulen].copy_from_slice(user.as_bytes());
    p[9 + ulen + 2] = 1;
    p[9 + ulen + 2 + 4] = 1;
    p
}

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
