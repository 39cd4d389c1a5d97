//! `ciphers` on an ssl `bind`: an OpenSSL cipher list (1.5 hands it to
//! SSL_CTX_set_cipher_list) mapped onto the TLS 1.2 suites rustls offers,
//! in the list's order, which is the server's order of preference (HAProxy
//! sets SSL_OP_CIPHER_SERVER_PREFERENCE). OpenSSL's rules kept: words it
//! does not know are skipped, a word adds what it selects at the end (an
//! alias in OpenSSL's own strength order, this table's), `!` removes for
//! good, `-` removes, `+` moves to the end, `A+B` is an intersection, and
//! only a list that selects nothing at all is refused (1.5 then says
//! "unable to set SSL cipher list"). TLS 1.3 suites are not governed by
//! this list, as in OpenSSL: `ciphersuites` (HAProxy 1.9 syntax) orders
//! those.

use rustls::CipherSuite as C;

/// One TLS 1.2 suite rustls implements: its OpenSSL name and the words
/// (aliases) of OpenSSL's cipher-list language that select it.
struct Suite {
    id: C,
    name: &'static str,
    words: &'static [&'static str],
}

const COMMON: &[&str] = &[
    "ALL", "DEFAULT", "HIGH", "ECDHE", "EECDH", "kECDHE", "kEECDH", "AEAD", "TLSv1.2", "FIPS",
];

const SUITES: &[Suite] = &[
    Suite {
        id: C::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        name: "ECDHE-ECDSA-AES256-GCM-SHA384",
        words: &["ECDSA", "aECDSA", "AESGCM", "AES", "AES256", "SHA384"],
    },
    Suite {
        id: C::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        name: "ECDHE-RSA-AES256-GCM-SHA384",
        words: &["RSA", "aRSA", "AESGCM", "AES", "AES256", "SHA384"],
    },
    Suite {
        id: C::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        name: "ECDHE-ECDSA-CHACHA20-POLY1305",
        words: &["ECDSA", "aECDSA", "CHACHA20", "SHA256"],
    },
    Suite {
        id: C::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        name: "ECDHE-RSA-CHACHA20-POLY1305",
        words: &["RSA", "aRSA", "CHACHA20", "SHA256"],
    },
    Suite {
        id: C::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        name: "ECDHE-ECDSA-AES128-GCM-SHA256",
        words: &["ECDSA", "aECDSA", "AESGCM", "AES", "AES128", "SHA256"],
    },
    Suite {
        id: C::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        name: "ECDHE-RSA-AES128-GCM-SHA256",
        words: &["RSA", "aRSA", "AESGCM", "AES", "AES128", "SHA256"],
    },
];

/// Does `term` (one word of a list entry, `+`-joined parts already split)
/// select suite `s`? None when OpenSSL would know the word but rustls
/// has no suite for it, or when the word is unknown: both select nothing.
fn selects(term: &str, s: &Suite) -> bool {
    term == s.name || COMMON.contains(&term) || s.words.contains(&term)
}

/// The TLS 1.2 suites `list` selects, in the order the list gives them
/// (the server's preference); an empty result means OpenSSL would refuse
/// the list (no cipher match).
pub fn select(list: &str) -> Vec<C> {
    let mut order: Vec<usize> = Vec::new();
    let mut banned = [false; SUITES.len()];
    for entry in list.split([':', ',', ' ']).filter(|e| !e.is_empty()) {
        let (op, body) = match entry.as_bytes()[0] {
            b'!' | b'-' | b'+' => (entry.as_bytes()[0], &entry[1..]),
            _ => (b' ', entry),
        };
        if body.starts_with('@') {
            continue; // @STRENGTH, @SECLEVEL: the table is in strength order
        }
        for (i, s) in SUITES.iter().enumerate() {
            if !body.split('+').all(|t| selects(t, s)) {
                continue;
            }
            match op {
                b'!' => {
                    banned[i] = true;
                    order.retain(|&j| j != i);
                }
                b'-' => order.retain(|&j| j != i),
                b'+' => {
                    if order.contains(&i) {
                        order.retain(|&j| j != i);
                        order.push(i);
                    }
                }
                _ => {
                    if !banned[i] && !order.contains(&i) {
                        order.push(i);
                    }
                }
            }
        }
    }
    order.into_iter().map(|i| SUITES[i].id).collect()
}

/// The TLS 1.3 suites of a `ciphersuites` list (OpenSSL's names, `:`
/// separated, in order of preference); None when a name is unknown
/// (OpenSSL refuses the whole list then), Some(empty) for an empty list.
pub fn select13(list: &str) -> Option<Vec<C>> {
    list.split(':')
        .filter(|e| !e.is_empty())
        .map(|n| match n {
            "TLS_AES_128_GCM_SHA256" => Some(C::TLS13_AES_128_GCM_SHA256),
            "TLS_AES_256_GCM_SHA384" => Some(C::TLS13_AES_256_GCM_SHA384),
            "TLS_CHACHA20_POLY1305_SHA256" => Some(C::TLS13_CHACHA20_POLY1305_SHA256),
            _ => None,
        })
        .collect()
}

/// The order of preference without `ciphers`/`ciphersuites`: Mozilla's
/// "intermediate" recommendation for HAProxy (AES-128-GCM first: as
/// strong a choice, and its SHA-256 key schedule costs a handshake less
/// than AES-256's SHA-384 on CPUs with SHA extensions).
pub const DEFAULT13: &[C] = &[
    C::TLS13_AES_128_GCM_SHA256,
    C::TLS13_AES_256_GCM_SHA384,
    C::TLS13_CHACHA20_POLY1305_SHA256,
];
pub const DEFAULT12: &[C] = &[
    C::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    C::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    C::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    C::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    C::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    C::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
];

/// The OpenSSL name of a suite (TLS 1.3 ones as OpenSSL prints them).
pub fn openssl_name(id: C) -> Option<&'static str> {
    match id {
        C::TLS13_AES_128_GCM_SHA256 => Some("TLS_AES_128_GCM_SHA256"),
        C::TLS13_AES_256_GCM_SHA384 => Some("TLS_AES_256_GCM_SHA384"),
        C::TLS13_CHACHA20_POLY1305_SHA256 => Some("TLS_CHACHA20_POLY1305_SHA256"),
        _ => SUITES.iter().find(|s| s.id == id).map(|s| s.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openssl_lists() {
        assert_eq!(select("HIGH:!aNULL:!MD5").len(), 6);
        assert_eq!(
            select("ECDHE-RSA-AES128-GCM-SHA256"),
            vec![C::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]
        );
        assert_eq!(select("ECDHE+AESGCM:!ECDSA").len(), 2);
        assert_eq!(select("AES128-SHA:BOGUS-NAME:RC4"), vec![]);
        assert_eq!(select("ALL:-AES256:!CHACHA20").len(), 2);
        assert_eq!(select("kEECDH+aRSA+AES256").len(), 1);
    }

    #[test]
    fn the_list_order_is_the_preference() {
        let (r128, r256) = (
            C::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            C::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        );
        assert_eq!(
            select("ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384"),
            vec![r128, r256]
        );
        assert_eq!(select("aRSA+AESGCM:+AES256"), vec![r128, r256]);
        assert_eq!(select("aRSA+AESGCM:-AES256:aRSA+AES256"), vec![r128, r256]);
        assert_eq!(select("aRSA+AESGCM:!AES256:AES256"), vec![r128]);
        assert_eq!(
            select("HIGH")[0],
            C::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
        );
        assert_eq!(
            select13("TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"),
            Some(vec![
                C::TLS13_CHACHA20_POLY1305_SHA256,
                C::TLS13_AES_128_GCM_SHA256
            ])
        );
        assert_eq!(select13("TLS_AES_128_GCM_SHA256:BOGUS"), None);
    }
}
