"""The TLS part of scripts/net-fuzz.py: clients of a `bind ... ssl crt`
listener (HAProxy 1.5 syntax, so not run against 1.4.25) that break the
handshake or the records after it in every way a hostile peer can:

- a ClientHello made by Python's ssl, mutated (bit flips, truncation,
  bytes inserted, the record or handshake length changed, two hellos,
  random bytes), then ended as the plain clients end (read, half-close,
  reset, close, trickle, idle);
- a real handshake, then a request (mutated as the plain clients' are)
  sent through TLS, then ended the same ways;
- a real handshake, then records with a flipped bit (a bad record MAC),
  a truncated record, or random bytes in place of records;
- a handshake stopped half-way (the ClientHello only, then silence or a
  reset).

Python 3 standard library only (ssl with MemoryBIO drives the handshake
over a raw socket, so bytes after it can be broken on purpose).
"""
import os
import socket
import ssl
import struct
import subprocess
import time


def make_cert(d):
    """A self-signed P-256 certificate and key in one PEM under d, or None
    without the openssl CLI."""
    key, crt, pem = (os.path.join(d, n) for n in ("tls.key", "tls.crt", "tls.pem"))
    try:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", crt,
                        "-days", "2", "-subj", "/CN=fuzz.test"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (OSError, subprocess.CalledProcessError):
        return None
    with open(pem, "wb") as out:
        for f in (crt, key):
            with open(f, "rb") as i:
                out.write(i.read())
    return pem


def context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def client_hello(ctx):
    """The bytes of a fresh ClientHello (not sent anywhere)."""
    obj = ctx.wrap_bio(ssl.MemoryBIO(), out := ssl.MemoryBIO())
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def mutate_bytes(b, rng):
    r = bytearray(b)
    for _ in range(rng.randrange(1, 3)):
        k = rng.randrange(7)
        if k == 0 and r:
            for _ in range(rng.randrange(1, 9)):
                r[rng.randrange(len(r))] ^= 1 << rng.randrange(8)
        elif k == 1 and r:
            del r[rng.randrange(len(r)):]
        elif k == 2 and r:
            i = rng.randrange(len(r))
            r[i:i] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
        elif k == 3 and len(r) >= 5:
            # the record length: shorter, longer or huge
            r[3:5] = struct.pack(">H", rng.choice([0, 1, len(r) - 6, len(r) + 100, 0x4800, 0xFFFF]))
        elif k == 4 and len(r) >= 9:
            # the handshake message length
            r[6:9] = rng.randrange(1 << 24).to_bytes(3, "big")
        elif k == 5:
            r = r + r
        else:
            r = bytearray(rng.randrange(256) for _ in range(rng.randrange(1, 600)))
    return bytes(r)


def handshake(sock, ctx, limit_s):
    """A real handshake over the raw socket; the SSLObject and its
    outgoing BIO."""
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out)
    deadline = time.monotonic() + limit_s
    while True:
        try:
            obj.do_handshake()
            data = out.read()
            if data:
                sock.sendall(data)
            return obj, out
        except ssl.SSLWantReadError:
            data = out.read()
            if data:
                sock.sendall(data)
            if time.monotonic() > deadline:
                raise OSError("handshake timeout")
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            d = sock.recv(65536)
            if not d:
                raise OSError("eof in handshake")
            inc.write(d)


def end(sock, ending, rng, reset, drain, stats, tag):
    """Ends a connection as the plain clients do; the reply's first bytes
    are ciphertext or nothing, so only how it ended is counted."""
    if ending == "reset":
        time.sleep(rng.random() * 0.05)
        reset(sock)
        stats.add(f"{tag}:reset")
        return
    if ending in ("close", "idle"):
        if ending == "idle":
            time.sleep(rng.random() * 0.3)
        sock.close()
        stats.add(f"{tag}:{ending}")
        return
    if ending == "halfclose":
        sock.shutdown(socket.SHUT_WR)
    _, how = drain(sock, 6.0 if ending == "hang" else 1.0)
    stats.add(f"{tag}:{ending}:{how}")


def one_client(port, rng, req, ending, reset, drain, stats):
    """One hostile TLS client (see the module's text)."""
    kind = rng.choices(["hello", "request", "records", "half"], [35, 35, 20, 10])[0]
    ctx = context()
    s = socket.socket()
    try:
        s.settimeout(3)
        s.connect(("127.0.0.1", port))
        if kind == "hello":
            data = mutate_bytes(client_hello(ctx), rng)
            if ending == "trickle":
                step = max(1, len(data) // 4)
                for i in range(0, len(data), step):
                    s.sendall(data[i:i + step])
                    time.sleep(0.05)
            else:
                s.sendall(data)
        elif kind == "half":
            s.sendall(client_hello(ctx))
            ending = rng.choice(["idle", "reset", "hang"])
        else:
            obj, out = handshake(s, ctx, 3)
            obj.write(req)
            data = out.read()
            if kind == "records":
                data = rng.choice([
                    lambda d: mutate_bytes(d, rng) if d else d,
                    lambda d: d[:rng.randrange(1, max(2, len(d)))],
                    lambda d: bytes(rng.randrange(256) for _ in range(rng.randrange(1, 2000))),
                ])(data)
            s.sendall(data)
        end(s, ending, rng, reset, drain, stats, "tls-" + kind)
    except (OSError, ssl.SSLError) as e:
        stats.add(f"tls-{kind}:error:{type(e).__name__}")
    finally:
        s.close()


def normal_get(port, drain):
    """A plain GET over TLS; the status line's first 12 bytes."""
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    try:
        t = context().wrap_socket(s)
        t.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        first, _ = drain(t, 3)
        return first[:12]
    except (OSError, ssl.SSLError):
        return b""
    finally:
        s.close()
