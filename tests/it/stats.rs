//! The stats page, CSV counters, auth, and the stats socket's levels.
use super::common;
use common::*;
use std::io::{Read, Write};
use std::time::Duration;

const OK1: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ns1\n";

#[test]
fn page_csv_auth_and_counters() {
    let mut log = Syslog::new();
    let b = Backend::http(OK1);
    let (fe, dead) = (handed(), dead_port());
    let cfg = format!(
        "{}\nlisten app {}\n    option httpclose\n    stats enable\n    stats uri /admin?stats\n    stats realm Ops\\ Only\n    stats auth admin:secret\n    stats refresh 5s\n    server s1 127.0.0.1:{}\n    server s2 127.0.0.1:{} check inter 200 fall 1\n",
        global(log.port),
        fe,
        b.port,
        dead
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    assert!(log.wait_for("Server app/s2 is DOWN", 1, 5));
    let r = get(fe.port, "/admin?stats", "");
    assert!(r.starts_with("HTTP/1.0 401 Unauthorized\r\n"), "{r}");
    assert!(
        r.contains("WWW-Authenticate: Basic realm=\"Ops Only\"\r\n"),
        "{r}"
    );
    // admin:secret
    let auth = "Authorization: Basic YWRtaW46c2VjcmV0\r\n";
    let page = get(fe.port, "/admin?stats", auth);
    assert!(page.starts_with("HTTP/1.0 200 OK\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\nRefresh: 5\r\n\r\n"), "{}", &page[..200.min(page.len())]);
    for k in [
        "Statistics Report for HAProxy",
        "General process information",
        ">Frontend<",
        ">Backend<",
        "a name=\"app/s1\"",
        "a name=\"app/s2\"",
        "CSV export",
    ] {
        assert!(page.contains(k), "missing {k}");
    }
    for _ in 0..3 {
        assert!(get(fe.port, "/", "").ends_with("s1\n"));
    }
    let csv = get(fe.port, "/admin?stats;csv", auth);
    let body = csv.split("\r\n\r\n").nth(1).unwrap_or("");
    let mut lines = body.lines();
    assert_eq!(lines.next(), Some(crate_header()));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let s1 = rows.iter().find(|r| r[1] == "s1").expect("s1 row");
    let s2 = rows.iter().find(|r| r[1] == "s2").expect("s2 row");
    assert_eq!(s1[7], "3", "stot of s1");
    assert_eq!(s1[17], "no check");
    assert_eq!(s2[17], "DOWN");
    let be = rows
        .iter()
        .find(|r| r[1] == "BACKEND")
        .expect("backend row");
    assert_eq!(be[17], "UP");
    assert!(
        rows.iter().all(|r| r.len() == 52 && r[51].is_empty()),
        "trailing comma on every row"
    );
    // stats requests are logged as <STATS>, local replies as PR
    assert!(log.wait_for("app app/<STATS> ", 2, 3), "{:?}", log.lines);
    let l = log
        .lines
        .iter()
        .rev()
        .find(|l| l.contains("app/<STATS>"))
        .cloned()
        .unwrap_or_default();
    assert!(
        l.contains(" 200 ")
            && l.contains(" PR-- ")
            && l.contains("\"GET /admin?stats;csv HTTP/1.1\""),
        "{l}"
    );
}

fn crate_header() -> &'static str {
    "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,"
}

#[test]
fn socket_levels_refuse() {
    let mut log = Syslog::new();
    let b = Backend::http(OK1);
    let dir = tmpdir("lvl");
    let sock = dir.join("u.sock");
    let cfg = format!(
        "global\n    log 127.0.0.1:{} local0\n    stats socket {} level user\n{}\nlisten app {}\n    server s1 127.0.0.1:{}\n",
        log.port,
        sock.display(),
        DEFAULTS,
        handed(),
        b.port
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    let ask = |cmd: &str| stats_ask(&sock, cmd);
    assert_eq!(ask("disable server app/s1\n"), "Permission denied\n\n");
    assert_eq!(ask("set weight app/s1 5\n"), "Permission denied\n\n");
    assert!(ask("show stat\n").starts_with("# pxname,svname,"));
    assert!(ask("show info\n").contains("\nMaxconn: 2000\n"));
    // pipelined commands on one connection
    let two = ask("get weight app/s1;help\n");
    assert!(
        two.starts_with("1 (initial 1)\n\nUnknown command."),
        "{two}"
    );
}

#[test]
fn contstats_counts_bytes_while_they_flow() {
    let mut log = Syslog::new();
    let (b1, b2) = (Backend::echo(), Backend::echo());
    let dir = tmpdir("cont");
    let sock = dir.join("s.sock");
    let (fa, fb) = (handed(), handed());
    let cfg = format!(
        "global\n    log 127.0.0.1:{} local0\n    stats socket {}\ndefaults\n    mode tcp\n    log global\n    timeout connect 1s\n    timeout client 5s\n    timeout server 5s\nlisten cont {fa}\n    option contstats\n    server e 127.0.0.1:{}\nlisten plain {fb}\n    server e 127.0.0.1:{}\n",
        log.port,
        sock.display(),
        b1.port,
        b2.port
    );
    let _p = Proxy::start(&cfg, &mut log, 2);
    let mut conns = Vec::new();
    for port in [fa, fb] {
        let mut c = std::net::TcpStream::connect(("127.0.0.1", port.port)).expect("c");
        c.set_read_timeout(Some(Duration::from_secs(3)))
            .expect("to");
        c.write_all(&[7u8; 1000]).expect("w");
        let mut got = vec![0u8; 1000];
        c.read_exact(&mut got).expect("echo");
        conns.push(c);
    }
    // both sessions are still open: only contstats has counted them yet
    let out = stats_ask(&sock, "show stat\n");
    let bin_bout = |px: &str| -> (String, String) {
        let l = out
            .lines()
            .find(|l| l.starts_with(&format!("{px},FRONTEND,")))
            .unwrap_or("");
        let f: Vec<&str> = l.split(',').collect();
        (
            f.get(8).unwrap_or(&"").to_string(),
            f.get(9).unwrap_or(&"").to_string(),
        )
    };
    assert_eq!(bin_bout("cont"), ("1000".into(), "1000".into()), "{out}");
    assert_eq!(bin_bout("plain"), ("0".into(), "0".into()), "{out}");
}

#[test]
fn socket_stats_rows_per_listener() {
    let mut log = Syslog::new();
    let b = Backend::http(OK1);
    let (f1, f2) = (handed(), handed());
    let cfg = format!(
        "{}\nfrontend web\n    bind {f1} name public\n    bind {f2}\n    option socket-stats\n    option httpclose\n    stats enable\n    stats uri /st\n    default_backend app\nbackend app\n    server s1 127.0.0.1:{}\n",
        global(log.port),
        b.port
    );
    let _p = Proxy::start(&cfg, &mut log, 2);
    assert!(get(f1.port, "/", "").ends_with("s1\n"));
    let csv = get(f2.port, "/st;csv", "");
    let rows: Vec<&str> = csv.lines().filter(|l| l.starts_with("web,")).collect();
    // FRONTEND, then one row per bind: named, or sock-<id>
    assert!(rows.len() >= 3, "{csv}");
    assert!(rows[0].starts_with("web,FRONTEND,"), "{csv}");
    let sock = |name: &str| -> Vec<String> {
        rows.iter()
            .find(|r| r.starts_with(&format!("web,{name},")))
            .map(|r| r.split(',').map(String::from).collect())
            .unwrap_or_default()
    };
    let public = sock("public");
    let second = sock("sock-2");
    assert_eq!(public.len(), 52, "{csv}");
    assert_eq!(second.len(), 52, "{csv}");
    // stot 1 on the first socket, 1 (this request) on the second; type 3
    assert_eq!(
        (public[7].as_str(), public[17].as_str(), public[32].as_str()),
        ("1", "OPEN", "3"),
        "{public:?}"
    );
    assert_eq!(
        (second[4].as_str(), second[7].as_str(), second[28].as_str()),
        ("1", "1", "2"),
        "{second:?}"
    );
    let html = get(f1.port, "/st", "");
    // 1.4's socket row: unquoted class, anchor named "+<socket>"
    assert!(
        html.contains("<tr class=socket><td class=ac><a name=\"web/+public\"></a>"),
        "{html}"
    );
}

#[test]
fn show_errors_and_show_sess() {
    let mut log = Syslog::new();
    let b = Backend::http(OK1);
    let dir = tmpdir("err");
    let sock = dir.join("a.sock");
    let fe = handed();
    let cfg = format!(
        "global\n    log 127.0.0.1:{} local0\n    stats socket {} level admin\n{}\nlisten app {fe}\n    server s1 127.0.0.1:{}\n",
        log.port,
        sock.display(),
        DEFAULTS,
        b.port
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    let ask = |cmd: &str| stats_ask(&sock, cmd);
    assert!(ask("show errors\n").starts_with("Total events captured on ["));
    let r = exchange(fe.port, b"GET / HTTP/1.1\r\nNoColonHere\r\n\r\n");
    assert!(r.starts_with(b"HTTP/1.0 400 Bad request\r\n"));
    let e = ask("show errors\n");
    assert!(e.contains(" : 1\n"), "{e}");
    assert!(e.contains("] frontend app (#"), "{e}");
    assert!(
        e.contains("): invalid request\n  src 127.0.0.1, session #"),
        "{e}"
    );
    assert!(
        // 1.4's parser refuses the header name at its line end
        e.contains("  request length 31 bytes, error at position 27:\n"),
        "{e}"
    );
    assert!(e.contains("  00016  NoColonHere\\r\\n\n"), "{e}");
    // an idle client shows up in show sess
    let idle = std::net::TcpStream::connect(("127.0.0.1", fe.port)).expect("c");
    // accepted when the proxy's loop comes round: ask until it shows
    let mut s = String::new();
    for _ in 0..100 {
        s = ask("show sess\n");
        if s.contains(" fe=app be=app srv=<none> ") {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(s.contains(" fe=app be=app srv=<none> "), "{s}");
    drop(idle);
}

/// The CSV row of `px`/`sv` in a stats answer, split into its columns.
fn csv_row(csv: &str, px: &str, sv: &str) -> Vec<String> {
    let pre = format!("{px},{sv},");
    csv.lines()
        .find(|l| l.starts_with(&pre))
        .map(|l| l.split(',').map(String::from).collect())
        .unwrap_or_default()
}

#[test]
fn csv_columns_as_1_4_prints_them() {
    let mut log = Syslog::new();
    let b = Backend::http(OK1);
    let (fe, tcp) = (handed(), handed());
    let cfg = format!(
        "{}\nlisten app {fe}\n    option httpclose\n    stats enable\n    stats uri /st\n    stats refresh 7\n    server s1 127.0.0.1:{}\nbackend bk\n    server b1 127.0.0.1:{}\nbackend empty\nlisten raw {tcp}\n    mode tcp\n    server r1 127.0.0.1:{}\n",
        global(log.port),
        b.port,
        b.port,
        b.port
    );
    let _p = Proxy::start(&cfg, &mut log, 4);
    assert!(get(fe.port, "/", "").ends_with("s1\n"));
    let csv = get(fe.port, "/st;csv", "");
    // a CSV export carries the page's refresh too
    assert!(csv.contains("\r\nRefresh: 7\r\n"), "{csv}");
    let fe_row = csv_row(&csv, "app", "FRONTEND");
    let s1 = csv_row(&csv, "app", "s1");
    // pid is the relative process number, not the system pid
    assert_eq!((fe_row[26].as_str(), s1[26].as_str()), ("1", "1"), "{csv}");
    // per-second maxima: counted sessions and requests show (how many
    // fell in one second depends on timing)
    let n = |v: &str| v.parse::<u32>().unwrap_or(0);
    assert!(n(&fe_row[35]) >= 1, "rate_max {csv}");
    assert!(n(&fe_row[47]) >= 1, "req_rate_max {csv}");
    assert_eq!(s1[35], "1", "server rate_max {csv}");
    // no check: chkfail, chkdown, lastchg and downtime are all empty
    assert_eq!(&s1[21..25], &["", "", "", ""], "{csv}");
    // a backend section keeps fullconn 0; one without servers is UP
    assert_eq!(csv_row(&csv, "bk", "BACKEND")[6], "0", "{csv}");
    assert_eq!(csv_row(&csv, "empty", "BACKEND")[17], "UP", "{csv}");
    // tcp rows leave the HTTP response columns empty
    let r1 = csv_row(&csv, "raw", "r1");
    assert_eq!(&r1[39..45], &["", "", "", "", "", ""], "{csv}");
}

#[test]
fn socket_protocol_as_1_4_runs_it() {
    let mut log = Syslog::new();
    let b = Backend::http(OK1);
    let dir = tmpdir("proto");
    let sock = dir.join("p.sock");
    let fe = handed();
    let cfg = format!(
        "global\n    log 127.0.0.1:{} local0\n    stats socket {} level admin\n{}\nlisten app {fe}\n    balance source\n    server s1 127.0.0.1:{} weight 4\n",
        log.port,
        sock.display(),
        DEFAULTS,
        b.port
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    let ask = |cmd: &str| stats_ask(&sock, cmd);
    // several lines in one write all run; each answer ends with an empty line
    assert_eq!(
        ask("get weight app/s1\nget weight app/#1\n"),
        "4 (initial 4)\n\n4 (initial 4)\n\n"
    );
    // interactive: the prompt follows every command, `prompt` included;
    // the client's close ends the session
    let mut c = std::os::unix::net::UnixStream::connect(&sock).expect("unix");
    c.set_read_timeout(Some(Duration::from_secs(3)))
        .expect("timeout");
    c.write_all(b"prompt\nget weight app/s1\n").expect("write");
    c.shutdown(std::net::Shutdown::Write).expect("shutdown");
    let mut got = String::new();
    let _ = c.read_to_string(&mut got);
    assert_eq!(got, "\n> 4 (initial 4)\n\n> ");
    // input without a line end closes at once, silently
    assert_eq!(ask("show info"), "");
    // 1.4's messages for malformed arguments
    assert_eq!(ask("get weight app\n"), "Require 'backend/server'.\n\n");
    assert_eq!(
        ask("set weight app/s1\n"),
        "Require 'backend/server' and 'weight' or 'weight%'.\n\n"
    );
    assert_eq!(
        ask("set weight app/s1 300\n"),
        "Absolute weight can only be between 0 and 256 inclusive.\n\n"
    );
    assert_eq!(
        ask("set weight app/s1 2\n"),
        "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n\n"
    );
    assert_eq!(ask("disable server app\n"), "Require 'backend/server'.\n\n");
    assert_eq!(ask("set timeout cli 0\n"), "Invalid timeout value.\n\n");
    assert_eq!(
        ask("set timeout server 5\n"),
        "'set timeout' only supports 'cli'.\n\n"
    );
    // show info counts this very connection
    let info = ask("show info\n");
    assert!(info.contains("\nCurrConns: 1\n"), "{info}");
}

#[test]
fn html_page_elements_as_1_4_renders_them() {
    let mut log = Syslog::new();
    let b = Backend::http(OK1);
    let (fe, dead) = (handed(), dead_port());
    let cfg = format!(
        "{}\nlisten app {fe}\n    option httpclose\n    stats enable\n    stats uri /st\n    stats refresh 5s\n    stats admin if TRUE\n    server s1 127.0.0.1:{}\n    server s2 127.0.0.1:{dead} check inter 200 fall 1\n",
        global(log.port),
        b.port
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    assert!(log.wait_for("Server app/s2 is DOWN", 1, 5));
    let page = get(fe.port, "/st;st=DONE", "");
    for k in [
        // 1.4's literal percents, not printf's doubled ones
        "<hr width=\"100%\" class=\"hr\">",
        "<table class=\"lgd\"><tr>",
        "<li><a href=\"/st;up\">Hide 'DOWN' servers</a><br>\n",
        "<li><a href=\"/st;norefresh\">Disable refresh</a><br>\n",
        "<li><a href=\"/st;csv;norefresh\">CSV export</a><br>\n",
        "<li><a href=\"http://haproxy.1wt.eu/#docs\">Online manual</a><br>\n",
        "<p><div class=active3><a class=lfsb href=\"/st\" title=\"Remove this message\">[X]</a> Action processed successfully.</div>\n",
        "<form action=\"/st\" method=\"post\">",
        "<td><input type=\"checkbox\" name=\"s\" value=\"s2\"></td>",
        // thousands grouped: maxconn 2000
        "<td><span class=\"rls\">2</span>000</td>",
        // unchecked server: row class 6, empty status cell
        "<tr class=\"active6\">",
        "<tr class=\"active0\">",
        " L4CON in ",
        "<input type=\"hidden\" name=\"b\" value=\"#1\">",
    ] {
        assert!(page.contains(k), "missing {k:?}");
    }
    assert!(!page.contains("%%"), "doubled percent");
    // ;up hides the DOWN server
    let up = get(fe.port, "/st;up", "");
    assert!(!up.contains("a name=\"app/s2\""), "s2 shown with ;up");
    assert!(up.contains("Show all servers"), "no 'Show all servers'");
}

/// `show info`'s Tasks, Run_queue and Memmax_MB as 1.4.25 reports them on
/// the same layout (recorded from the oracle: 6 tasks, 64 MB): a task per
/// session (the socket's own), per checked server (a stopped proxy's
/// included), per stick table with an expiry, one for appsessions; -m as
/// given.
#[test]
fn show_info_tasks_and_memmax() {
    let d = dead_port();
    let dir = tmpdir("info");
    let sock = dir.join("s.sock");
    let cfg = format!(
        "global\n    stats socket {}\n{}\
         listen app {}\n    server s1 127.0.0.1:{d} check inter 10s\n    server s2 127.0.0.1:{d} check inter 10s\n    server s3 127.0.0.1:{d}\n\
         listen st {}\n    stick-table type ip size 10 expire 10s\n    stick on src\n    server s1 127.0.0.1:{d}\n\
         listen st2 {}\n    stick-table type ip size 10\n    stick on src\n    server s1 127.0.0.1:{d}\n\
         listen ap {}\n    appsession JSESSIONID len 52 timeout 3h\n    server s1 127.0.0.1:{d}\n\
         listen off {}\n    disabled\n    server s1 127.0.0.1:{d} check inter 10s\n",
        sock.display(),
        DEFAULTS,
        handed(),
        handed(),
        handed(),
        handed(),
        handed(),
        d = d.port
    );
    let path = dir.join("haproxy.cfg");
    std::fs::write(&path, cfg).expect("write cfg");
    let mut cmd = std::process::Command::new(bin());
    cmd.args(["-db", "-m", "64", "-f"])
        .arg(&path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let held = hand_over(&mut cmd);
    let mut child = cmd.spawn().expect("spawn");
    drop(held);
    let end = std::time::Instant::now() + Duration::from_secs(5);
    while !sock.exists() && std::time::Instant::now() < end {
        std::thread::sleep(Duration::from_millis(20));
    }
    let info = stats_ask(&sock, "show info\n");
    let _ = child.kill();
    let _ = child.wait();
    for want in ["Memmax_MB: 64\n", "CurrConns: 1\n", "Tasks: 6\n"] {
        assert!(info.contains(want), "{want:?} missing in:\n{info}");
    }
    // the tasks woken in the same pass as the request: itself, and maybe a
    // check answering at that moment (1.4's figure varies the same way)
    let rq: u32 = info
        .lines()
        .find_map(|l| l.strip_prefix("Run_queue: "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    assert!((1..=6).contains(&rq), "Run_queue {rq} in:\n{info}");
}
