#!/usr/bin/env python3
"""Writes a hosting-style configuration of N backends of 4 servers each,
every backend chosen by a `use_backend ... if` rule on a host ACL, to
measure how `haproxy -c` (and the rule index) scale with the config
(issue #24). Usage: gen-scale-config.py N [OUT] (stdout without OUT)."""
import sys


def config(n):
    out = ["global", "    maxconn 100000", "", "defaults", "    mode http",
           "    timeout connect 5s", "    timeout client 30s", "    timeout server 30s",
           "", "frontend web", "    bind 127.0.0.1:18080", "    option http-server-close"]
    for i in range(n):
        out.append("    acl host_%d hdr(host) -i site%d.example.com" % (i, i))
    for i in range(n):
        out.append("    use_backend be_%d if host_%d" % (i, i))
    out.append("    default_backend be_0")
    for i in range(n):
        out.append("")
        out.append("backend be_%d" % i)
        out.append("    balance roundrobin")
        for s in range(4):
            out.append("    server s%d 127.0.%d.%d:%d check" % (s, (i >> 8) & 255, i & 255, 8000 + s))
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    n = int(sys.argv[1])
    text = config(n)
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
