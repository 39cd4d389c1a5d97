//! Health checks: probe packets (pure) and the check state machines.

/// The SSLv3 CLIENT HELLO 1.4 sends for `option ssl-hello-chk`.
pub fn ssl_hello_packet() -> Vec<u8> {
    let mut p = vec![0x16, 0x03, 0x00, 0x00, 0x79, 0x01, 0x00, 0x00, 0x75, 0x03, 0x00, 0, 0, 0, 0];
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
