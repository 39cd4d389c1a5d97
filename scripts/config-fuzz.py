#!/usr/bin/env python3
"""Config-check parity fuzzer: haproxy-rs against HAProxy 1.4.25 on mutants.

Makes N mutated configs (default 3000, deterministic for a seed) from our
compat-configs/ (valid and invalid) and the shared real-world corpus
(../shared/compat-corpus, read at run time, never copied): deleted tokens,
duplicated or deleted lines, stray bytes, out-of-range numbers, broken
escapes, swapped or foreign keywords, truncated lines. Each mutant is checked
with `-c -f` by the oracle and by our binary (cwd = the repository root, as
tests/it/compat_configs.rs runs, a 5 s timeout each, at most 2 workers) and
two figures are reported:

  verdict agreement        same verdict: valid (exit 0) or invalid (exit 1,
                           or for the oracle a crash: 1.4.25 dies of
                           SIGSEGV on some broken configs, which cannot
                           load them either; these are counted apart)
  exact-message agreement  same exit code and the same stderr, once the
                           "DDD/HHMMSS (PID) : " stamp is removed

A hang, a crash (signal) or a Rust panic of ours is always a disagreement.
With --messages, mutants whose verdicts agree but whose messages differ
are listed too (OUT/messages.txt).
Disagreements are written to OUT/disagreements.txt with the mutant kept as
OUT/NNNN.cfg to reproduce. Exit status 1 when verdict agreement is below
--min-verdict (percent). Python 3 standard library only.

Usage: scripts/config-fuzz.py --oracle /tmp/haproxy-1.4.25/haproxy
       [--ours target/release/haproxy] [--count 3000] [--seed 1]
       [--shared ../shared] [--out target/config-fuzz] [--min-verdict 99]
"""
import argparse
import concurrent.futures
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STAMP = re.compile(rb"^(\[(?:ALERT|WARNING)\]) \d+/\d+ \(\d+\) : ", re.M)
# words a mutant may borrow: keywords of every section, so that a keyword
# lands where it does not belong
KEYWORDS = [
    "global", "defaults", "listen", "frontend", "backend", "userlist", "option",
    "timeout", "server", "bind", "balance", "cookie", "acl", "use_backend",
    "default_backend", "stats", "log", "maxconn", "mode", "capture", "redirect",
    "reqrep", "rspadd", "errorfile", "stick", "stick-table", "appsession",
    "http-request", "tcp-request", "block", "monitor", "user", "group", "daemon",
    "chroot", "if", "unless", "check", "inter", "weight", "backup", "no",
    "default", "http", "tcp", "health", "insert", "prefix", "rewrite",
]
NUMBERS = [
    "0", "-1", "-0", "65535", "65536", "99999", "2147483647", "2147483648",
    "4294967295", "4294967296", "18446744073709551616", "1e3", "0x10", "007",
    "+5", "1.5", "10000000000000000000000", "256", "257", "51", "33",
]
STRAY = [b"\x00", b"\t", b"\r", b"\x0b", b"\x0c", b"\x7f", b"\xff", b"\xc3\xa9", b"#", b"\\", b"{",
         b"}", b"!", b":", b",", b"(", b")", b"[", b"]", b"'", b'"', b"|", b" "]
ESCAPES = ["\\", "\\x", "\\x4", "\\xZZ", "\\q", "\\ ", "\\#", "\\\\", "\\r\\n", "\\t"]


def sources(shared):
    """(name, bytes) of every seed config, in a stable order."""
    dirs = [os.path.join(ROOT, "compat-configs"),
            os.path.join(ROOT, "compat-configs", "invalid"),
            os.path.join(shared, "compat-corpus")]
    out = []
    for d in dirs:
        if not os.path.isdir(d):
            continue
        for n in sorted(os.listdir(d)):
            if n.endswith(".cfg"):
                with open(os.path.join(d, n), "rb") as f:
                    out.append((os.path.relpath(os.path.join(d, n), ROOT), f.read()))
    return out


def content_lines(lines):
    return [i for i, l in enumerate(lines) if l.strip() and not l.lstrip().startswith(b"#")]


def mutate_line(rng, lines, kind):
    """Applies one mutation of `kind` to a random non-empty line, in place."""
    idx = content_lines(lines)
    if not idx:
        return
    i = rng.choice(idx)
    words = lines[i].split()
    if kind == "delete-token" and words:
        del words[rng.randrange(len(words))]
        lines[i] = b"    " + b" ".join(words)
    elif kind == "duplicate-line":
        lines.insert(rng.choice(idx), lines[i])
    elif kind == "delete-line":
        del lines[i]
    elif kind == "stray-bytes":
        p = rng.randrange(len(lines[i]) + 1)
        lines[i] = lines[i][:p] + rng.choice(STRAY) + lines[i][p:]
    elif kind == "number":
        nums = [k for k, w in enumerate(words) if re.search(rb"\d", w)]
        if nums:
            k = rng.choice(nums)
            words[k] = re.sub(rb"\d+", rng.choice(NUMBERS).encode(), words[k], count=1)
            lines[i] = b"    " + b" ".join(words)
    elif kind == "escape":
        p = rng.randrange(len(lines[i]) + 1)
        lines[i] = lines[i][:p] + rng.choice(ESCAPES).encode() + lines[i][p:]
    elif kind == "swap-words" and len(words) >= 2:
        a, b = rng.sample(range(len(words)), 2)
        words[a], words[b] = words[b], words[a]
        lines[i] = b"    " + b" ".join(words)
    elif kind == "foreign-keyword" and words:
        words[rng.randrange(len(words))] = rng.choice(KEYWORDS).encode()
        lines[i] = b"    " + b" ".join(words)
    elif kind == "truncate":
        lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
    elif kind == "swap-lines":
        j = rng.choice(idx)
        lines[i], lines[j] = lines[j], lines[i]


KINDS = ["delete-token", "duplicate-line", "delete-line", "stray-bytes", "number",
         "escape", "swap-words", "foreign-keyword", "truncate", "swap-lines"]


def make_mutants(srcs, count, seed):
    rng = random.Random(seed)
    out = []
    for n in range(count):
        name, text = srcs[rng.randrange(len(srcs))]
        lines = text.split(b"\n")
        kinds = [rng.choice(KINDS) for _ in range(rng.choice([1, 1, 1, 2, 3]))]
        for k in kinds:
            mutate_line(rng, lines, k)
        out.append((n, name, "+".join(kinds), b"\n".join(lines)))
    return out


# Both binaries resolve the corpus's host names at parse time; a lost DNS
# answer costs the resolver's 5 s default timeout, as long as ours. A 1 s
# resolver timeout (same for both) and one retry keep that from passing
# for a hang.
ENV = dict(os.environ, RES_OPTIONS="timeout:1 attempts:2")


def run(binary, path):
    """(exit code or 'timeout', normalised stderr); a signal is -SIG."""
    for _ in range(2):
        try:
            p = subprocess.run([binary, "-c", "-f", path], cwd=ROOT, capture_output=True,
                               timeout=5, env=ENV)
            return p.returncode, STAMP.sub(rb"\1 ", p.stderr)
        except subprocess.TimeoutExpired:
            continue
    return "timeout", b""


def show(err):
    return err.decode("utf-8", "replace").strip().replace("\n", "\n          ")


def check(args, tmp, mutant):
    n, src, kinds, text = mutant
    path = os.path.join(tmp, "m%04d.cfg" % n)
    with open(path, "wb") as f:
        f.write(text)
    want = run(args.oracle, path)
    got = run(args.ours, path)
    os.unlink(path)
    return mutant, want, got


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--oracle", default=os.environ.get("ORACLE"))
    ap.add_argument("--ours", default=os.path.join(ROOT, "target/release/haproxy"))
    ap.add_argument("--count", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--shared", default=os.environ.get("SHARED", os.path.join(ROOT, "../shared")))
    ap.add_argument("--out", default=os.path.join(ROOT, "target/config-fuzz"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--min-verdict", type=float, default=99.0)
    ap.add_argument("--messages", action="store_true",
                    help="also list verdict agreements with different messages")
    args = ap.parse_args()
    if not args.oracle or not os.access(args.oracle, os.X_OK):
        sys.exit("config-fuzz: the 1.4.25 oracle is needed: --oracle PATH or ORACLE=PATH")
    args.oracle, args.ours = os.path.abspath(args.oracle), os.path.abspath(args.ours)
    srcs = sources(args.shared)
    mutants = make_mutants(srcs, args.count, args.seed)
    shutil.rmtree(args.out, ignore_errors=True)
    os.makedirs(args.out)
    tmp = tempfile.mkdtemp(prefix="config-fuzz-")
    verdict_ok = exact_ok = oracle_crashes = 0
    report, messages = [], []
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(args.jobs, 2)) as ex:
        for mutant, want, got in ex.map(lambda m: check(args, tmp, m), mutants):
            n, src, kinds, text = mutant
            crashed = not isinstance(got[0], int) or got[0] < 0 or b"panicked" in got[1]
            oracle_crash = not isinstance(want[0], int) or want[0] < 0
            oracle_crashes += oracle_crash
            same = not crashed and (want[0] == 0) == (got[0] == 0)
            verdict_ok += same
            exact_ok += not crashed and want == got
            entry = "#%04d from %s (%s): 1.4.25 exit %s, ours exit %s\n  1.4.25: %s\n  ours:   %s\n" % (
                n, src, kinds, want[0], got[0], show(want[1]), show(got[1]))
            if not same or (args.messages and want != got):
                with open(os.path.join(args.out, "%04d.cfg" % n), "wb") as f:
                    f.write(text)
                (report if not same else messages).append(entry)
    shutil.rmtree(tmp, ignore_errors=True)
    with open(os.path.join(args.out, "disagreements.txt"), "w") as f:
        f.writelines(report)
    if args.messages:
        with open(os.path.join(args.out, "messages.txt"), "w") as f:
            f.writelines(messages)
    total = len(mutants)
    vp, ep = 100.0 * verdict_ok / total, 100.0 * exact_ok / total
    print("config-fuzz: %d mutants of %d configs (seed %d)" % (total, len(srcs), args.seed))
    print("config-fuzz: verdict agreement %d/%d = %.2f%%" % (verdict_ok, total, vp))
    print("config-fuzz: exact-message agreement %d/%d = %.2f%%" % (exact_ok, total, ep))
    print("config-fuzz: 1.4.25 crashed (SIGSEGV) on %d of them, counted as invalid" % oracle_crashes)
    if report:
        print("config-fuzz: %d disagreements in %s/disagreements.txt" % (len(report), args.out))
    return 0 if vp >= args.min_verdict else 1


if __name__ == "__main__":
    sys.exit(main())
