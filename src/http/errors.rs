//! 1.4's built-in responses, byte for byte.

pub const HTTP_302: &str =
    "HTTP/1.1 302 Found\r\nCache-Control: no-cache\r\nContent-length: 0\r\nLocation: ";
pub const HTTP_303: &str =
    "HTTP/1.1 303 See Other\r\nCache-Control: no-cache\r\nContent-length: 0\r\nLocation: ";
pub const HTTP_301: &str = "HTTP/1.1 301 Moved Permanently\r\nContent-length: 0\r\nLocation: ";
pub const HTTP_307: &str =
    "HTTP/1.1 307 Temporary Redirect\r\nCache-Control: no-cache\r\nContent-length: 0\r\nLocation: ";
pub const HTTP_308: &str = "HTTP/1.1 308 Permanent Redirect\r\nContent-length: 0\r\nLocation: ";

pub fn builtin(code: u16) -> &'static [u8] {
    match code {
        200 => b"HTTP/1.0 200 OK\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>200 OK</h1>\nHAProxy: service ready.\n</body></html>\n",
        400 => b"HTTP/1.0 400 Bad request\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>400 Bad request</h1>\nYour browser sent an invalid request.\n</body></html>\n",
        403 => b"HTTP/1.0 403 Forbidden\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n</body></html>\n",
        408 => b"HTTP/1.0 408 Request Time-out\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>408 Request Time-out</h1>\nYour browser didn't send a complete request in time.\n</body></html>\n",
        500 => b"HTTP/1.0 500 Server Error\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>500 Server Error</h1>\nAn internal server error occured.\n</body></html>\n",
        502 => b"HTTP/1.0 502 Bad Gateway\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>502 Bad Gateway</h1>\nThe server returned an invalid or incomplete response.\n</body></html>\n",
        503 => b"HTTP/1.0 503 Service Unavailable\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n",
        _ => b"HTTP/1.0 504 Gateway Time-out\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>504 Gateway Time-out</h1>\nThe server didn't respond in time.\n</body></html>\n",
    }
}

/// The 401 (or 407) challenge with the realm.
pub fn unauthorized(realm: &str, proxy_auth: bool) -> Vec<u8> {
    let (status, hdr) = if proxy_auth {
        ("407 Unauthorized", "Proxy-Authenticate")
    } else {
        ("401 Unauthorized", "WWW-Authenticate")
    };
    format!(
        "HTTP/1.0 {}\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n{}: Basic realm=\"{}\"\r\n\r\n<html><body><h1>{}</h1>\nYou need a valid user and password to access this content.\n</body></html>\n",
        status, hdr, realm, status
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_match_14() {
        assert_eq!(builtin(400).len(), 187);
        assert_eq!(builtin(403).len(), 188);
        assert_eq!(builtin(408).len(), 212);
        assert_eq!(builtin(500).len(), 185);
        assert_eq!(builtin(502).len(), 204);
        assert_eq!(builtin(503).len(), 212);
        assert_eq!(builtin(504).len(), 194);
        assert_eq!(builtin(200).len(), 155);
    }
}
