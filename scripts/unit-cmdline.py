#!/usr/bin/env python3
"""What systemd would run for a unit's Exec lines, for tests where no
systemd runs (scripts/test-debian-init.sh).

  unit-cmdline.py env UNIT          KEY=VALUE lines: Environment= words, then
                                    EnvironmentFile= assignments (a leading
                                    '-' on the file: optional)
  unit-cmdline.py cmd UNIT KEY N    the N-th (1-based) KEY= line as
                                    NUL-separated words, with the variables
                                    of the process environment expanded

Expansion follows systemd.service(5): the line is split into words first
(double and single quotes group); an unquoted word that is exactly $NAME
becomes the value split at whitespace (nothing when empty), ${NAME} and $NAME
inside a longer or quoted word are replaced in place; '$(' is left alone.
The '-', '@', '+', '!' prefixes of the executable are dropped.
"""
import os
import re
import shlex
import sys

VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def env_lines(unit):
    out = []
    for line in open(unit):
        line = line.strip()
        if line.startswith("Environment="):
            out.extend(shlex.split(line[len("Environment="):]))
        elif line.startswith("EnvironmentFile="):
            path = line.split("=", 1)[1].strip().lstrip("-")
            try:
                for entry in open(path):
                    entry = entry.strip()
                    if entry and not entry.startswith("#") and "=" in entry:
                        k, v = entry.split("=", 1)
                        out.append(k + "=" + v.strip().strip('"'))
            except OSError:
                pass
    return out


def words(line):
    """Splits like systemd, remembering which words were quoted."""
    lex = shlex.shlex(line, posix=True, punctuation_chars=False)
    lex.whitespace_split = True
    lex.commenters = ""
    out = []
    for w in lex:
        out.append(w)
    quoted = [False] * len(out)
    # a word was quoted if its raw form in the line carried a quote
    raw = re.findall(r'"[^"]*"|\'[^\']*\'|\S+', line)
    if len(raw) == len(out):
        quoted = [r[:1] in "\"'" for r in raw]
    return out, quoted


def expand(line):
    env = os.environ
    ws, quoted = words(line)
    out = []
    for w, q in zip(ws, quoted):
        m = re.fullmatch(r"\$([A-Za-z_][A-Za-z0-9_]*)", w)
        if m and not q:
            out.extend(env.get(m.group(1), "").split())
            continue
        out.append(VAR.sub(lambda v: env.get(v.group(1) or v.group(2), ""), w))
    if out:
        out[0] = out[0].lstrip("-@+!")
    return out


def main():
    if sys.argv[1] == "env":
        print("\n".join(env_lines(sys.argv[2])))
        return 0
    key, n = sys.argv[3], int(sys.argv[4])
    lines = [l.strip()[len(key) + 1:] for l in open(sys.argv[2]) if l.strip().startswith(key + "=")]
    if n > len(lines):
        return 1
    sys.stdout.write("\0".join(expand(lines[n - 1])) + "\0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
