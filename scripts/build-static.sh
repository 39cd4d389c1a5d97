#!/usr/bin/env bash
# A haproxy binary without dynamic dependencies: musl when that target is
# installed, else glibc linked statically (crt-static). Fails loudly (exit
# 1, a line saying why) unless the result really is static: the ELF file is
# read directly (no program interpreter, no DT_NEEDED library), not trusted
# to `file` or `ldd`. It prints the oldest kernel the binary is built for
# (the GNU ABI note glibc puts there) and fails if that is newer than 3.10, the
# kernel of EL7, the oldest system the README and the RPM claim.
# `build-static.sh --check FILE` runs only that check (the packaging test
# shows it refuses a dynamic binary).
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "make static: FAILED: $*" >&2; exit 1; }
bin=target/static/haproxy
if [ "${1:-}" = --check ]; then
    bin=$2
else
    mkdir -p target/static
    rm -f target/static/haproxy
    if rustup target list --installed 2>/dev/null | grep -q x86_64-unknown-linux-musl; then
        cargo build --release --target x86_64-unknown-linux-musl || fail "cargo build (musl)"
        cp target/x86_64-unknown-linux-musl/release/haproxy target/static/haproxy
    else
        RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --target x86_64-unknown-linux-gnu \
            || fail "cargo build with crt-static (is the static glibc, libc6-dev, installed?)"
        cp target/x86_64-unknown-linux-gnu/release/haproxy target/static/haproxy
    fi
fi
python3 - "$bin" <<'PYEOF' || fail "$bin is not a static binary (see above)"
import struct, sys
data = open(sys.argv[1], "rb").read()
if data[:4] != b"\x7fELF" or data[4] != 2:
    sys.exit("not a 64-bit ELF file")
phoff, = struct.unpack_from("<Q", data, 0x20)
phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
needed, interp, abi = [], False, None
for i in range(phnum):
    typ, _, off, _, _, filesz = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
    if typ == 3:  # PT_INTERP: run by a dynamic loader
        interp = True
    elif typ == 2:  # PT_DYNAMIC: static-pie has one, but no DT_NEEDED
        for j in range(0, filesz, 16):
            tag, val = struct.unpack_from("<qQ", data, off + j)
            if tag == 0:
                break
            if tag == 1:
                needed.append(val)
    elif typ == 4:  # PT_NOTE: look for the GNU ABI tag (oldest kernel)
        j = off
        while j < off + filesz:
            namesz, descsz, ntype = struct.unpack_from("<III", data, j)
            name = data[j + 12 : j + 12 + namesz]
            desc = j + 12 + ((namesz + 3) & ~3)
            if name == b"GNU\0" and ntype == 1 and descsz >= 16:
                abi = struct.unpack_from("<IIII", data, desc)[1:]
            j = desc + ((descsz + 3) & ~3)
if interp or needed:
    sys.exit(f"dynamic: program interpreter={interp}, {len(needed)} shared libraries needed")
if abi is None:
    print("static; no kernel floor recorded in the binary (musl)")
else:
    floor = ".".join(map(str, abi))
    print(f"static; built for Linux {floor} or later (GNU ABI note)")
    if tuple(abi) > (3, 10, 0):
        sys.exit(f"needs Linux {floor}, newer than EL7's 3.10: the README's claim would be false")
PYEOF
echo "static binary: $bin"
