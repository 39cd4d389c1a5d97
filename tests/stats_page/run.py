#!/usr/bin/env python3
"""The stats page test (`make statspage`, part of `make test`).

Starts our binary on the config of pages.py (servers UP, DOWN, NOLB, MAINT,
not checked, backup UP/DOWN/MAINT, tracking; stats admin on and off, ;up,
refresh and ;norefresh, scope, show-node/desc/legends, hide-version, the
;st= banners of the admin form) and checks:
  1. every page is HTML that validates under htmlcheck.py's strict rules
     and under Debian's `tidy`, except for exactly the two places where
     1.4.25's own page is invalid (QUIRKS below: kept byte for byte, as
     the page is 1.4's);
  2. each page shows what its options ask for (rows and their state
     classes, the admin form, the Refresh header, scope, node/description);
  3. headless Chromium renders the page: the screenshot shows the tables
     (1.4's header, proxy-name, frontend/backend and server-state colours
     over enough pixels) and its DOM holds every proxy's tables and rows;
  4. when 1.4.25 itself is at hand ($HAPROXY14, default
     /tmp/haproxy-1.4.25/haproxy), its page on the same config has the very
     same validation problems, page by page (so QUIRKS is 1.4's, not ours).
In CI (CI=true) a missing chromium or tidy fails; elsewhere it is a skip.
Prints one line per check and "N passed, N failed, N skipped" last.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import htmlcheck  # noqa: E402
import pages  # noqa: E402
import png  # noqa: E402

IN_CI = os.environ.get("CI") == "true"

# The places where 1.4.25's page is not valid HTML, kept as 1.4 writes them.
QUIRKS = {
    # a tracking server's "via px/srv" link ends with "<a>" instead of "</a>"
    # (dumpstats.c's format string): two <a> left open until the </td>
    "tracked-link": ("unclosed", "a", re.compile(r">via [^<]+<a></td>")),
    # the check cell opens <u> and closes it only after " in Nms": a server
    # whose check has no duration yet (INI, in maintenance) leaves it open
    "check-without-duration": ("unclosed", "u",
                               re.compile(r"<u> (\* )?[A-Z0-9]+(/[0-9]+)?</td>")),
}
TIDY_BENIGN = ('lacks "summary" attribute',   # HTML 4 accessibility advice
               "trimming empty <p>")          # empty <p> is valid, tidy notes it
TIDY_QUIRKS = {"missing </u> before </td>": "check-without-duration",
               "<a> is probably intended as </a>": "tracked-link"}


def quirk_of(p):
    for name, (kind, tag, pat) in QUIRKS.items():
        if p.kind == kind and p.tag == tag and pat.search(p.context):
            return name
    return None


class Results:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0

    def ok(self, name, cond, why=""):
        if cond:
            self.passed += 1
            print("ok   %s" % name)
        else:
            self.failed += 1
            print("FAIL %s: %s" % (name, why))
        return cond

    def skip(self, name, why):
        if IN_CI:
            self.ok(name, False, "missing in CI: " + why)
        else:
            self.skipped += 1
            print("skip %s: %s" % (name, why))


def validate(body):
    """(problems outside QUIRKS, set of quirk names present)."""
    bad, seen = [], set()
    for p in htmlcheck.check(body):
        q = quirk_of(p)
        if q:
            seen.add(q)
        else:
            bad.append(p)
    return bad, seen


def tidy_problems(path):
    out = subprocess.run(["tidy", "-q", "-e", "-latin1", path], capture_output=True,
                         text=True, timeout=60).stderr
    bad, seen = [], set()
    for line in out.splitlines():
        if not line.strip() or any(b in line for b in TIDY_BENIGN):
            continue
        q = next((v for k, v in TIDY_QUIRKS.items() if k in line), None)
        if q:
            seen.add(q)
        else:
            bad.append(line)
    return bad, seen


def rows(body):
    """{server name: row class} of proxy app."""
    out = {}
    for m in re.finditer(r'<tr class="(\w+)">(?:<td><input[^>]*></td>|<td></td>)?'
                         r'<td class=ac(?: title="[^"]*")?>(?:<u>)?<a name="app/([\w.-]+)"', body):
        out[m.group(2)] = m.group(1)
    return out


ALL_ROWS = {"Frontend": "frontend", "Backend": "backend", "up1": "active3", "down1": "active0", "nolb1": "active5",
            "maint1": "maintain", "nochk1": "active6", "trk1": "active3",
            "bkup1": "backup3", "bkdown1": "backup0", "bkmaint1": "maintain"}
UP_ROWS = {k: v for k, v in ALL_ROWS.items() if v not in ("active0", "backup0", "maintain")}
SERVERS = [k for k in ALL_ROWS if k not in ("Frontend", "Backend")]
BANNERS = {"admin_done": "Action processed successfully.",
           "admin_none": "Nothing has changed.",
           "admin_part": "Action partially processed.",
           "admin_errp": "Action not processed because of invalid parameters.",
           "admin_excd": "the buffer couldn't store all the data",
           "admin_deny": "Action denied."}


def expectations(name, head, body):
    """[(what, condition)] that page `name` must meet."""
    want_rows = UP_ROWS if "up" in name.split("_") else ALL_ROWS
    admin = name.startswith("admin")
    checks = [
        ("200 text/html", head.startswith("HTTP/1.0 200 OK") and "Content-Type: text/html" in head),
        ("app rows and states", rows(body) == want_rows),
        ("admin form iff stats admin",
         ('<form action="' in body and 'type="checkbox"' in body) == admin),
        ("Refresh header as configured",
         ("\r\nRefresh: " in head) == (name in ("refresh", "refresh_up", "admin_refresh_up"))),
    ]
    if "maint1" in want_rows:
        # checked but in maintenance since start-up: no check ever ran, and
        # 1.4 marks the check as started ("* ") from start-up on
        row = body[body.find('<a name="app/maint1">'):]
        checks.append(("MAINT server's check cell '* INI'",
                       '<td class=ac title="Initializing"><u> * INI</td>' in row[:row.find("</tr>")]))
    if name in BANNERS:
        checks.append(("result banner", BANNERS[name] in body))
    if name == "scope":
        checks.append(("scope lists app only",
                       'name="app/Frontend"' in body and 'name="web/Frontend"' not in body
                       and 'name="st_scope/Frontend"' not in body))
    else:
        checks.append(("every proxy listed", all('<a name="%s">' % p in body for p in
                                                ("web", "empty", "app", "st_plain"))))
    if name == "decor":
        checks.append(("node and description",
                       "<title>Statistics Report for HAProxy on node-A.1</title>" in body
                       and "on node-A.1: my little cluster</h2>" in body))
    if "legends" in pages.STATS_SECTIONS[pages.PAGES[name][0]]:
        checks.append(("legends: server address titles",
                       re.search(r'<td class=ac title="IP: 127\.0\.0\.1:\d+, id: 1"><u>'
                                 r'<a name="app/up1">', body) is not None))
    checks.append(("version shown unless hide-version",
                   ("HAProxy version 1.4.25" in body) == (name != "hidever")))
    return checks


def check_pages(res, got, workdir, have_tidy):
    quirks_by_page = {}
    for name, (head, body) in got.items():
        bad, seen = validate(body)
        quirks_by_page[name] = seen
        res.ok("%s: valid HTML (htmlcheck)" % name, not bad, "\n  ".join(map(repr, bad[:10])))
        path = os.path.join(workdir, name + ".html")
        with open(path, "w", encoding="latin-1") as f:
            f.write(body)
        if have_tidy:
            tbad, tseen = tidy_problems(path)
            res.ok("%s: valid HTML (tidy)" % name, not tbad and tseen == seen,
                   "tidy: %s; quirks %s vs %s" % (tbad[:10], sorted(tseen), sorted(seen)))
        for what, cond in expectations(name, head, body):
            res.ok("%s: %s" % (name, what), cond, "see %s" % path)
    return quirks_by_page


def chromium(args, url, timeout=90):
    with tempfile.TemporaryDirectory(prefix="hrs-chromium-") as profile:
        cmd = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync",
               "--user-data-dir=" + profile] + args + [url]
        return subprocess.run(cmd, capture_output=True, timeout=timeout)


# colour -> (what, minimum pixels); a full table row is ~1250x16 px, the
# legend's squares ~150 px: each minimum needs at least one real row
SHOT_COLOURS = {"#20d0d0": ("column headers (.titre)", 50000),
                "#b00040": ("proxy name headers (th.pxname)", 3000),
                "#e8e8d0": ("frontend/backend rows", 50000),
                "#c0ffc0": ("active UP rows", 10000),
                "#ff9090": ("DOWN rows", 10000),
                "#a0e0a0": ("NOLB row", 8000),
                "#c07820": ("MAINT rows", 10000),
                "#b0d0ff": ("backup UP row", 8000),
                "#e0e0e0": ("not checked row", 8000)}


def check_chromium(res, run, workdir):
    shot = os.path.join(workdir, "plain.png")
    p = chromium(["--screenshot=" + shot, "--window-size=1280,900"], run.url("plain"))
    if not res.ok("chromium: screenshot written", p.returncode == 0 and os.path.exists(shot),
                  "exit %d: %s" % (p.returncode, p.stderr[-500:])):
        return
    counts = png.colour_counts(open(shot, "rb").read())
    for colour, (what, least) in SHOT_COLOURS.items():
        res.ok("chromium: screenshot shows %s (%s)" % (what, colour), counts[colour] >= least,
               "%d pixels < %d; see %s" % (counts[colour], least, shot))
    p = chromium(["--dump-dom"], run.url("admin"))
    dom = p.stdout.decode("latin-1")
    res.ok("chromium: DOM has the proxy tables",
           dom.count('<table class="tbl"') >= 2 * 10 and all(
               '<a name="%s">' % px in dom for px in ("web", "empty", "app", "st_admin")),
           "%d tables" % dom.count('<table class="tbl"'))
    res.ok("chromium: DOM has every server row and the admin form",
           all('<a name="app/%s">' % s in dom for s in SERVERS)
           and '<form action="/" method="post">' in dom and "<select" in dom, "")


def checker_self_test(res):
    """The checker must catch what it claims to: mutations of a good page."""
    good = ('<!DOCTYPE html><html><head><title>t</title></head><body>'
            '<table width="100%"><tr><td><a name="x">x</a><u>y</u></td></tr></table>'
            '</body></html>')
    res.ok("htmlcheck: accepts a valid page", not htmlcheck.check(good),
           repr(htmlcheck.check(good)))
    for bad, kind in [(good.replace('"100%"', '"100%%"'), "bad-attribute-value"),
                      (good.replace("</table>", ""), "unclosed"),
                      (good.replace("</u>", ""), "unclosed"),
                      (good.replace("</a>", "<a>"), "unclosed"),
                      (good.replace("<tr>", ""), "misplaced"),
                      (good.replace("<u>y</u>", "<u><table></table></u>"), "block-in-inline"),
                      (good.replace("</td>", "</td></span>"), "stray-end-tag"),
                      (good.replace("x</a>", "x</a><a name=\"x\"></a>"), "duplicate-anchor"),
                      (good.replace("y</u>", "&amp &</u>"), "bare-ampersand")]:
        kinds = {p.kind for p in htmlcheck.check(bad)}
        res.ok("htmlcheck: finds %s" % kind, kind in kinds, "found only %s" % kinds)


def fetch(binary, workdir, handed=True):
    run = pages.Running(binary, workdir, handed)
    try:
        return run.fetch_all()
    finally:
        run.stop()


def main():
    root = os.path.dirname(os.path.dirname(HERE))
    ap = argparse.ArgumentParser()
    ap.add_argument("--proxy", default=os.path.join(root, "target/release/haproxy"))
    ap.add_argument("--oracle", default=os.environ.get("HAPROXY14",
                                                       "/tmp/haproxy-1.4.25/haproxy"))
    ap.add_argument("--keep", help="directory to keep pages and screenshot in")
    a = ap.parse_args()
    workdir = a.keep or tempfile.mkdtemp(prefix="hrs-statspage-")
    os.makedirs(workdir, exist_ok=True)
    res = Results()
    checker_self_test(res)
    have_tidy = shutil.which("tidy") is not None
    if not have_tidy:
        res.skip("tidy", "tidy not installed (apt-get install tidy)")
    try:
        run = pages.Running(a.proxy, workdir)
    except RuntimeError as e:
        res.ok("servers reach their states", False, str(e))
        print("%d passed, %d failed, %d skipped" % (res.passed, res.failed, res.skipped))
        return 1
    try:
        ours = check_pages(res, run.fetch_all(), workdir, have_tidy)
        if shutil.which("chromium"):
            check_chromium(res, run, workdir)
        else:
            res.skip("chromium", "chromium not installed (apt-get install chromium)")
    finally:
        run.stop()
    if os.access(a.oracle, os.X_OK):
        odir = os.path.join(workdir, "oracle")
        os.makedirs(odir, exist_ok=True)
        for name, (_, body) in fetch(a.oracle, odir, handed=False).items():
            bad, seen = validate(body)
            res.ok("1.4.25 %s: same quirks as ours, nothing else" % name,
                   not bad and seen == ours.get(name),
                   "1.4: %s %s, ours: %s" % (bad[:5], sorted(seen), sorted(ours.get(name, ()))))
    else:
        # the oracle is a developer's tool, not a CI prerequisite
        res.skipped += 1
        print("skip 1.4.25 comparison: %s not found" % a.oracle)
    if res.failed or a.keep:
        print("pages, screenshot and oracle pages in %s" % workdir)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    print("%d passed, %d failed, %d skipped" % (res.passed, res.failed, res.skipped))
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
