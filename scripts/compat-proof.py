#!/usr/bin/env python3
"""Proposes proofs for the "## Keywords" table of docs/compatibility.md.

The table's 5th column ("proof") names, for every row whose status starts
with "supported", the differential scenarios and Rust tests that exercise
that keyword or behaviour.  The column is kept by hand in the markdown (it is
the source of truth, checked by tests/it/compat_table.rs); this script only
helps: for each row it extracts the keyword tokens written in backticks,
finds the scenarios whose config (or command line, or client steps) contains
them and the Rust tests whose text does, and proposes up to three that
together cover the most tokens.

    python3 scripts/compat-proof.py            # rows with their candidates
    python3 scripts/compat-proof.py --empty    # only rows with no proof yet
    python3 scripts/compat-proof.py --fill     # write candidates into empty cells

Scenarios come from ../shared/harness/scenarios.py (named `shared:NAME`) and
tests/difftest/*.py (named NAME, golden in tests/difftest/golden-1.4.25).
Rust tests are named tests/FILE.rs::fn or src/PATH.rs::tests::fn.
Python 3 standard library only.
"""

import argparse
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "docs", "compatibility.md")
SHARED = os.environ.get("SHARED", os.path.join(ROOT, "..", "shared"))
HEADER = "| area | tier | keyword / behaviour | status | proof |"


def load_scenarios():
    """name -> searchable text (config, args, files, client steps), in the
    harness's own namespace, as scripts/difftest.sh would load them."""
    sys.path.insert(0, os.path.join(SHARED, "harness"))
    import scenarios as cat  # noqa: E402 (path set just above)
    found = {}

    def take(prefix):
        for s in cat.SCENARIOS:
            name = prefix + s.name
            if name in found:
                continue
            steps = [repr(c.steps) for c in list(s.clients) + list(s.clients_after_reload)]
            found[name] = {
                "config": s.config or "",
                "args": " ".join(s.args or []),
                "other": "\n".join(steps + [str(v) for v in (s.files or {}).values()]),
                "desc": s.description,
                "kind": "check" if s.kind in ("check", "version") else "run",
            }

    take("shared:")
    del cat.SCENARIOS[:]
    ddir = os.path.join(ROOT, "tests", "difftest")
    for f in sorted(os.listdir(ddir)):
        if f.endswith(".py"):
            path = os.path.join(ddir, f)
            with open(path) as fh:
                exec(compile(fh.read(), path, "exec"), vars(cat))
    take("")
    return found


def rust_tests():
    """tests/FILE.rs::fn and src/...::tests::fn -> the test's text."""
    found = {}
    files = [os.path.join("tests", f) for f in os.listdir(os.path.join(ROOT, "tests"))
             if f.endswith(".rs")]
    for d, _, fs in os.walk(os.path.join(ROOT, "src")):
        files += [os.path.relpath(os.path.join(d, f), ROOT) for f in fs if f.endswith(".rs")]
    for rel in sorted(files):
        with open(os.path.join(ROOT, rel)) as fh:
            text = fh.read()
        marks = [m.end() for m in re.finditer(r"#\[test\]", text)]
        for i, start in enumerate(marks):
            m = re.search(r"fn (\w+)", text[start:])
            if not m:
                continue
            end = marks[i + 1] if i + 1 < len(marks) else len(text)
            scope = "::" if rel.startswith("tests/") else "::tests::"
            found[rel + scope + m.group(1)] = {"config": text[start:end], "args": "",
                                               "other": "", "desc": "", "kind": "rust"}
    return found


def phrases(area, cell):
    """The literal keyword phrases of a row: each backticked segment up to its
    first placeholder or option list, first alternative of an a|b word."""
    out = []
    for seg in re.findall(r"`([^`]+)`", cell):
        words = []
        for w in seg.replace("\\|", "|").split():
            if w[0] in "<[(" or w in ("...", "+"):
                break
            alt = w.split("|")[0]
            words.append(alt.split("(")[0].split("[")[0])
            if "|" in w or "(" in w or "[" in w:
                break
        if words and words[0]:
            out.append(" ".join(words))
    if cell.startswith("server ") or area == "Servers, balancing" and cell.startswith("server"):
        out = ["server " + p if not p.startswith("server") else p for p in out]
    return sorted(set(out))


def matcher(area, phrase):
    """A regex finding <phrase> used as a directive (or a criterion in an acl
    line, or a command-line flag, or a socket command)."""
    esc = re.escape(phrase)
    if phrase.startswith("-"):
        return re.compile(r"(^| )" + esc + r"( |$)")
    if area == "ACL criteria":
        return re.compile(r"(?m)^\s*acl\s+\S+\s+(-\S+\s+)*" + esc + r"(\(|\s|$)")
    if phrase.startswith("server "):
        return re.compile(r"(?m)^\s*(server|default-server)\s.*\s" + re.escape(phrase[7:]) + r"(\s|$)")
    return re.compile(r"(?m)(^\s*|\\n\s*|b'|\")" + esc + r"(\s|$|\\r|\\n)")


def relevance(name, phrases_hit):
    """2 when the proof's name spells one of the phrases it matches."""
    short = name.split("::")[-1].split(":")[-1].lower()
    for p in phrases_hit:
        slug = re.sub(r"[^a-z0-9]+", "_", p.lower()).strip("_")
        last = slug.split("_")[-1]
        if slug and slug in short or len(last) > 3 and last in short:
            return 2
    return 0


def candidates(area, cell, pool, limit=3):
    """Greedy cover: the proofs matching the most still-uncovered phrases,
    named after them, that bring a kind (run, check, rust) not chosen yet,
    shorter texts first (they are the more focused)."""
    ph = phrases(area, cell)
    hits = {}
    for p in ph:
        rx = matcher(area, p)
        for name, s in pool.items():
            text = s["args"] if p.startswith("-") else s["config"] + "\n" + s["other"]
            if rx.search(text):
                hits.setdefault(name, set()).add(p)
    chosen, left, kinds = [], set(ph), set()

    def score(n):
        return (len(hits[n] & left), relevance(n, hits[n]), pool[n]["kind"] not in kinds,
                pool[n]["kind"] == "run", -len(pool[n]["config"]))

    while hits and len(chosen) < limit:
        best = max(hits, key=score)
        chosen.append(best)
        kinds.add(pool[best]["kind"])
        left -= hits.pop(best)
    return chosen, sorted(left)


def rows(lines):
    """(index, cells) of the Keywords table's data rows."""
    in_table = False
    for i, line in enumerate(lines):
        if line.startswith("| area | tier |"):
            in_table = True
            continue
        if in_table and line.startswith("|---"):
            continue
        if in_table and line.startswith("| "):
            yield i, [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        elif in_table:
            return


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--empty", action="store_true", help="only rows with no proof yet")
    ap.add_argument("--fill", action="store_true", help="write candidates into empty proof cells")
    args = ap.parse_args()
    pool = load_scenarios()
    pool.update(rust_tests())
    with open(DOC) as fh:
        lines = fh.read().split("\n")
    for i, cells in rows(lines):
        cells += [""] * (5 - len(cells))
        area, cell, status, proof = cells[0], cells[2], cells[3], cells[4]
        if not status.startswith("supported") or (args.empty or args.fill) and proof:
            continue
        chosen, left = candidates(area, cell, pool)
        if args.fill:
            cells[4] = ", ".join("`%s`" % c for c in chosen)
            lines[i] = "| " + " | ".join(cells) + " |"
        else:
            print("%s | %s\n  now: %s\n  candidates: %s%s" % (
                area, cell[:90], proof or "-", ", ".join(chosen) or "-",
                "\n  uncovered: " + ", ".join(left) if left else ""))
    if args.fill:
        lines = [HEADER if ln.startswith("| area | tier |") else
                 "|---|---|---|---|---|" if ln == "|---|---|---|---|" else ln for ln in lines]
        with open(DOC, "w") as fh:
            fh.write("\n".join(lines))


if __name__ == "__main__":
    main()
