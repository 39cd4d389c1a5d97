#!/usr/bin/env python3
"""Holds a TCP port on 127.0.0.1 for a shell test, so that no port is ever
picked, freed and bound later by someone else (tests/common does the same
for the Rust tests).

  hold-port.py PORTFILE               bind, write the port, hold it
  hold-port.py PORTFILE --serve DIR   bind, write the port, serve DIR (HTTP)

Without --serve the socket is bound but does not listen, with SO_REUSEADDR
and SO_REUSEPORT: the proxy under test (started by an init script, so no
descriptor can be handed to it) binds the same port beside it, and as the
only listening socket there gets every connection; reloads then bind it
again beside the running proxy. The port is first chosen by the kernel
(port 0) and then bound again by number, since Linux releases a port it
chose when a paused listener is shut down. Runs until killed; the port file
is written (atomically) once the port is held.
"""
import functools
import http.server
import os
import signal
import socket
import sys


def bound(share):
    def one(port):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if share:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        s.bind(("127.0.0.1", port))
        return s
    first = one(0)
    s = one(first.getsockname()[1])
    first.close()
    return s


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def say(path, port):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, path)


def main():
    path = sys.argv[1]
    if len(sys.argv) == 4 and sys.argv[2] == "--serve":
        handler = functools.partial(Quiet, directory=sys.argv[3])
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        say(path, srv.server_address[1])
        srv.serve_forever()
        return
    s = bound(share=True)
    say(path, s.getsockname()[1])
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
