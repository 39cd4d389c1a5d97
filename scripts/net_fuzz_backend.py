"""The backends of scripts/net-fuzz.py: a threaded 'good' server that
answers every request with a 200 (a 1 MiB body for /big) and keeps the
connection, and a 'mutant' one that answers with broken status lines, bad
chunking, truncated bodies, huge headers, resets and silence. Also the
reset() both sides use. Python 3 standard library only.
"""
import random
import socket
import struct
import threading
import time

def reset(sock):
    """Closes with an RST rather than a FIN."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()




def read_request(conn, buf):
    """Reads one request (head, then a Content-Length or chunked body, both
    bounded); returns (request_head, rest_of_buffer) or None at EOF/junk."""
    while b"\r\n\r\n" not in buf and b"\n\n" not in buf:
        if len(buf) > 65536:
            return None
        d = conn.recv(16384)
        if not d:
            return None
        buf += d
    i = buf.find(b"\r\n\r\n")
    j = buf.find(b"\n\n")
    end = i + 4 if i >= 0 and (j < 0 or i < j) else j + 2
    head, buf = buf[:end], buf[end:]
    low = head.lower()
    if b"transfer-encoding: chunked" in low:
        while b"0\r\n\r\n" not in buf and len(buf) < 1 << 20:
            d = conn.recv(16384)
            if not d:
                return None
            buf += d
        k = buf.find(b"0\r\n\r\n")
        buf = buf[k + 5:] if k >= 0 else b""
    elif b"content-length:" in low:
        try:
            n = int(low.split(b"content-length:")[1].split(b"\n")[0].strip())
        except ValueError:
            n = 0
        n = max(0, min(n, 1 << 20))
        while len(buf) < n:
            d = conn.recv(16384)
            if not d:
                return None
            buf += d
        buf = buf[n:]
    return head, buf


GOOD = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n"
# a large body: the warm-up makes the proxy create its (one, kept) splice pipe
BIG = b"HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n" + b"b" * 1048576


def mutant_response(rng):
    """(bytes to send, what to do after: 'keep', 'close', 'reset', 'silent',
    'trickle')."""
    k = rng.randrange(24)
    if k == 0:
        return GOOD, "keep"
    if k == 1:
        return (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"3\r\nabc\r\n5;x=y\r\nhello\r\n0\r\nT: v\r\n\r\n"), "keep"
    if k == 2:
        return rng.choice([b"HTTP/1.1 OK\r\n\r\n", b"HTTP/1.1 2000 OK\r\n\r\n",
                           b"HTTX/1.1 200 OK\r\n\r\n", b"\r\n\r\n", b"HTTP/1.1\r\n\r\n",
                           b"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n",
                           b"HTTP/1.1 200 OK\r\n: empty\r\n\r\n",
                           b"HTTP/1.1 -1 X\r\nContent-Length: 0\r\n\r\n"]), "close"
    if k == 3:
        return (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + rng.choice([b"zz\r\nab\r\n0\r\n\r\n", b"ffffffffffffffffffff\r\nxx",
                              b"3\r\nabcdef\r\n0\r\n\r\n", b"3\r\nabc0\r\n\r\n",
                              b"-1\r\n\r\n", b"3\r\nabc\r\n"])), "close"
    if k == 4:
        return b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789", "close"
    if k == 5:
        return b"HTTP/1.1 200 OK\r\nContent-Le", rng.choice(["close", "reset"])
    if k == 6:
        big = b"X-Big: " + b"a" * rng.randrange(8000, 40000) + b"\r\n"
        return b"HTTP/1.1 200 OK\r\n" + big + b"Content-Length: 0\r\n\r\n", "close"
    if k == 7:
        many = b"".join(b"X-H%d: v\r\n" % i for i in range(rng.randrange(90, 400)))
        return b"HTTP/1.1 200 OK\r\n" + many + b"Content-Length: 0\r\n\r\n", "keep"
    if k == 8:
        return (b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"3\r\nabc\r\n0\r\n\r\n"), "keep"
    if k == 9:
        return b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", "close"
    if k == 10:
        return b"HTTP/1.1 100 Continue\r\n\r\n" + GOOD, "keep"
    if k == 11:
        return b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello", "close"
    if k == 12:
        return b"HTTP/1.0 200 OK\r\n\r\n" + b"z" * rng.randrange(1, 300000), "close"
    if k == 13:
        return b"", "reset"
    if k == 14:
        return b"", "silent"
    if k == 15:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))), "close"
    if k == 16:
        r = bytearray(GOOD)
        for _ in range(rng.randrange(1, 4)):
            r[rng.randrange(len(r))] ^= 1 << rng.randrange(8)
        return bytes(r), "close"
    if k == 17:
        return GOOD, "trickle"
    if k == 18:
        return b"HTTP/1.1 200 OK\r\nContent-Length: 2000000\r\n\r\n" + b"y" * 2000000, "close"
    if k == 19:
        return b"HTTP/1.1 200 OK\r\nContent-Length: +3\r\n\r\nabc", "close"
    if k == 20:
        return b"HTTP/1.1 200 OK\r\nX: a\rb\r\nContent-Length: 0\r\n\r\n", "close"
    if k == 21:
        return b"HTTP/1.1 200 OK\nContent-Length: 3\n\nok\n", "keep"
    if k == 22:
        return b"HTTP/1.1 302 Found\r\nSet-Cookie: JSESSIONID=abc\r\nLocation: /\r\n\r\n", "close"
    return GOOD + GOOD, "close"


class Backend:
    """A threaded server: 'good' answers every request with a 200 and keeps
    the connection; 'mutant' answers with one of mutant_response()."""

    def __init__(self, port, mutant, seed, server_timeout):
        self.mutant = mutant
        self.server_timeout = server_timeout
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(1024)
        self.port = self.sock.getsockname()[1]
        self.stop = False
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                seed = self.rng.getrandbits(32)
            threading.Thread(target=self.serve, args=(conn, seed), daemon=True).start()

    def serve(self, conn, seed):
        rng = random.Random(seed)
        conn.settimeout(self.server_timeout + 2)
        buf = b""
        try:
            for _ in range(100):
                got = read_request(conn, buf)
                if got is None:
                    break
                head, buf = got
                if not self.mutant:
                    conn.sendall(BIG if head.startswith(b"GET /big ") else GOOD)
                    continue
                data, after = mutant_response(rng)
                if after == "trickle":
                    for i in range(0, len(data), 8):
                        conn.sendall(data[i:i + 8])
                        time.sleep(0.02)
                    after = "keep"
                elif data:
                    conn.sendall(data)
                if after == "reset":
                    reset(conn)
                    return
                if after == "silent":
                    time.sleep(self.server_timeout + 1)
                    break
                if after == "close":
                    break
        except OSError:
            pass
        conn.close()
