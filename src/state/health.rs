//! A server's health as checks and `observe` report it: 1.4's check
//! statuses (HCHK_STATUS_*) with their names and descriptions, and the
//! outcomes of health analysis of live traffic (HANA_STATUS_*).

/// The outcome of a server's last health check (1.4's HCHK_STATUS_*), in
/// 1.4's order: the statuses from `L7Ok` on carry a response code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CheckStatus {
    Unknown,
    Ini,
    /// health analysis of live traffic (`observe`)
    Hana,
    SockErr,
    L4Ok,
    L4Tout,
    L4Con,
    L6Ok,
    L6Tout,
    L6Rsp,
    L7Tout,
    L7Rsp,
    L7Ok,
    /// passed, but asks to stop load balancing (`disable-on-404`)
    L7Okc,
    L7Sts,
}

impl CheckStatus {
    /// The short name shown in the stats (`check_status`).
    pub fn info(self) -> &'static str {
        match self {
            CheckStatus::Unknown => "UNK",
            CheckStatus::Ini => "INI",
            CheckStatus::Hana => "HANA",
            CheckStatus::SockErr => "SOCKERR",
            CheckStatus::L4Ok => "L4OK",
            CheckStatus::L4Tout => "L4TOUT",
            CheckStatus::L4Con => "L4CON",
            CheckStatus::L6Ok => "L6OK",
            CheckStatus::L6Tout => "L6TOUT",
            CheckStatus::L6Rsp => "L6RSP",
            CheckStatus::L7Tout => "L7TOUT",
            CheckStatus::L7Rsp => "L7RSP",
            CheckStatus::L7Ok => "L7OK",
            CheckStatus::L7Okc => "L7OKC",
            CheckStatus::L7Sts => "L7STS",
        }
    }

    /// The text of the `reason:` part of the log lines.
    pub fn desc(self) -> &'static str {
        match self {
            CheckStatus::Unknown => "Unknown",
            CheckStatus::Ini => "Initializing",
            CheckStatus::Hana => "Health analyze",
            CheckStatus::SockErr => "Socket error",
            CheckStatus::L4Ok => "Layer4 check passed",
            CheckStatus::L4Tout => "Layer4 timeout",
            CheckStatus::L4Con => "Layer4 connection problem",
            CheckStatus::L6Ok => "Layer6 check passed",
            CheckStatus::L6Tout => "Layer6 timeout",
            CheckStatus::L6Rsp => "Layer6 invalid response",
            CheckStatus::L7Tout => "Layer7 timeout",
            CheckStatus::L7Rsp => "Layer7 invalid response",
            CheckStatus::L7Ok => "Layer7 check passed",
            CheckStatus::L7Okc => "Layer7 check conditionally passed",
            CheckStatus::L7Sts => "Layer7 wrong status",
        }
    }

    /// A failure (SRV_CHK_ERROR).
    pub fn is_error(self) -> bool {
        matches!(
            self,
            CheckStatus::Hana
                | CheckStatus::SockErr
                | CheckStatus::L4Tout
                | CheckStatus::L4Con
                | CheckStatus::L6Tout
                | CheckStatus::L6Rsp
                | CheckStatus::L7Tout
                | CheckStatus::L7Rsp
                | CheckStatus::L7Sts
        )
    }

    /// A pass (SRV_CHK_RUNNING), conditional or not.
    pub fn is_pass(self) -> bool {
        matches!(
            self,
            CheckStatus::L4Ok | CheckStatus::L6Ok | CheckStatus::L7Ok | CheckStatus::L7Okc
        )
    }

    /// Whether the response code means something (1.4: >= L57DATA).
    pub fn has_code(self) -> bool {
        self >= CheckStatus::L7Ok
    }
}

impl std::fmt::Display for CheckStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.info())
    }
}

/// What `observe` learns from live traffic (1.4's HANA statuses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hana {
    L4Ok,
    L4Err,
    HttpOk,
    HttpSts,
    HttpHdrRsp,
    HttpRsp,
    HttpReadError,
    HttpReadTimeout,
    HttpBrokenPipe,
}

impl Hana {
    pub fn desc(self) -> &'static str {
        match self {
            Hana::L4Ok => "L4 successful connection",
            Hana::L4Err => "L4 unsuccessful connection",
            Hana::HttpOk => "Correct http response",
            Hana::HttpSts => "Wrong http response",
            Hana::HttpHdrRsp => "Invalid http response (headers)",
            Hana::HttpRsp => "Invalid http response",
            Hana::HttpReadError => "Read error (http)",
            Hana::HttpReadTimeout => "Read timeout (http)",
            Hana::HttpBrokenPipe => "Close from server (http)",
        }
    }

    /// For `observe layer4` (1) or `layer7` (2): Some(true) is a failure,
    /// Some(false) a success that clears the error count, None ignored.
    pub fn failed(self, observe: u8) -> Option<bool> {
        match (self, observe) {
            (Hana::L4Ok, 1) => Some(false),
            (Hana::L4Ok, _) => None,
            (Hana::L4Err, _) => Some(true),
            (Hana::HttpOk, 2) => Some(false),
            (_, 2) => Some(true),
            _ => None,
        }
    }
}
