#!/usr/bin/env bash
# Packaging test: builds the RPM, checks its metadata, publishes it in a
# yum/dnf repository made with createrepo_c, installs it offline with
# `dnf --installroot` into a scratch root (a tiny stub package stands in for
# the CentOS base: /bin/sh, chkconfig, shadow-utils), running the package's
# %pre/%post scriptlets there: the root holds a real /bin/sh (the host's
# dash and its libraries) and stand-ins for getent, groupadd, useradd,
# chkconfig and systemctl that act on the root's /etc/passwd and /etc/group
# and record their calls, so the user, group and service registration are
# checked as the spec makes them. Then upgrades it over an edited config to
# show the .rpmnew handling, installs it in a second, systemd-style root
# where uid 188 is taken, and runs the init-script test
# (scripts/test-initscript.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
need=()
command -v rpmbuild >/dev/null || need+=(rpm)
command -v createrepo_c >/dev/null || need+=(createrepo-c)
command -v dnf >/dev/null || need+=(dnf)
command -v mandoc >/dev/null || need+=(mandoc)
if [ ${#need[@]} -gt 0 ]; then apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null; fi

T=$(mktemp -d /tmp/hrs-rpm.XXXXXX)
trap 'rm -rf "$T"' EXIT
repo=$T/repo root=$T/root
mkdir -p "$repo" "$root" "$T/empty"
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { # description, command...
    local what=$1; shift
    if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi
}

# --- the man page -----------------------------------------------------------
check "man page clean under mandoc -Tlint -W warning" sh -c '! mandoc -Tlint -W warning man/haproxy.1 2>&1 | grep -q .'

# --- release 1 and its metadata ----------------------------------------------
make rpm >"$T/build.log" 2>&1 || { sed 's/^/     | /' "$T/build.log"; exit 1; }
rpm1=$(ls target/rpmbuild/RPMS/x86_64/haproxy-rs-*.rpm)
cp "$rpm1" "$repo/"
rpm1=$repo/$(basename "$rpm1")
q() { rpm -qp "$@" "$rpm1" 2>/dev/null; }
# read each listing once: `q | grep -q` under pipefail fails at random when
# grep exits early and rpm gets SIGPIPE
files=$(q -l) configs=$(q --configfiles)
for f in /usr/sbin/haproxy /etc/haproxy/haproxy.cfg /etc/rc.d/init.d/haproxy /etc/sysconfig/haproxy \
         /etc/logrotate.d/haproxy /etc/rsyslog.d/49-haproxy.conf /usr/lib/systemd/system/haproxy.service \
         /var/lib/haproxy /usr/share/man/man1/haproxy.1; do
    # (the man page is compressed where rpm's brp-compress works)
    if grep -qx "$f\(\.gz\)\?" <<<"$files"; then ok "rpm -qpl lists $f"; else bad "rpm -qpl lists $f"; fi
done
check "Provides: haproxy = 1.4.25" sh -c "rpm -qp --provides '$rpm1' | grep -qx 'haproxy = 1.4.25'"
check "Obsoletes: haproxy < 1.5" sh -c "rpm -qp --obsoletes '$rpm1' | grep -qx 'haproxy < 1.5'"
check "Requires(pre): shadow-utils" sh -c "rpm -qp --requires '$rpm1' | grep -qx 'shadow-utils'"
check "make static's check refuses a dynamic binary" sh -c "! ./scripts/build-static.sh --check target/release/haproxy"
check "make static's check accepts the packaged binary" ./scripts/build-static.sh --check target/static/haproxy
check "no shared library or loader requirements (static)" sh -c "! rpm -qp --requires '$rpm1' | grep -q '\.so\|rtld'"
check "%pre creates haproxy with uid/gid 188" sh -c "rpm -qp --scripts '$rpm1' | grep -q 'useradd -r -u 188'"
check "%post registers with chkconfig or systemd" sh -c "rpm -qp --scripts '$rpm1' | grep -q 'chkconfig --add haproxy' && rpm -qp --scripts '$rpm1' | grep -q 'daemon-reload'"
for c in /etc/haproxy/haproxy.cfg /etc/sysconfig/haproxy /etc/logrotate.d/haproxy /etc/rsyslog.d/49-haproxy.conf; do
    if grep -qx "$c" <<<"$configs"; then ok "config file $c"; else bad "config file $c"; fi
done
check "/var/lib/haproxy owned by haproxy" sh -c "rpm -qp --dump '$rpm1' | grep '^/var/lib/haproxy ' | grep -q 'haproxy haproxy'"

# --- a stub for what a CentOS base would provide -----------------------------
mkdir -p "$T/stub/SPECS"
cat > "$T/stub/SPECS/base-stub.spec" <<'EOF'
Name:      centos-base-stub
Version:   1
Release:   1
Summary:   Stands in for the CentOS base in the packaging test
License:   MIT
BuildArch: noarch
Provides:  /bin/sh /bin/bash /sbin/chkconfig chkconfig shadow-utils /usr/sbin/useradd /usr/sbin/groupadd /sbin/service
%description
Test stub.
%files
EOF
rpmbuild --define "_topdir $T/stub" -bb "$T/stub/SPECS/base-stub.spec" >/dev/null 2>&1
cp "$T"/stub/RPMS/noarch/*.rpm "$repo/"
createrepo_c -q "$repo"

# a scratch root in which scriptlets can run: /bin/sh and stand-ins that
# record their calls in /var/log/calls (shell builtins only, so they need
# nothing but the shell)
make_root() { # dir, "systemd" or "sysv", passwd lines to start with
    local r=$1 lib
    [ -n "$r" ] && [ "$r" != / ] || exit 1
    mkdir -p "$r"/bin "$r"/sbin "$r"/usr/bin "$r"/usr/sbin "$r"/etc "$r"/var/log "$r"/dev "$r"/tmp
    cp "$(readlink -f /bin/sh)" "$r/bin/sh"
    for lib in $(ldd "$(readlink -f /bin/sh)" | grep -o '/[^ ]*'); do
        mkdir -p "$r$(dirname "$lib")" && cp "$(readlink -f "$lib")" "$r$lib"
    done
    mknod -m 666 "$r/dev/null" c 1 3 2>/dev/null || : > "$r/dev/null"
    printf '%s' "$3" > "$r/etc/passwd"
    : > "$r/etc/group"
    [ "$2" = systemd ] && mkdir -p "$r/run/systemd/system"
    cp scripts/rpm-standins/* "$r/usr/sbin/"
    mv "$r/usr/sbin/getent" "$r/usr/sbin/systemctl" "$r/usr/bin/"
    mv "$r/usr/sbin/chkconfig" "$r/usr/sbin/service" "$r/sbin/"
}
make_root "$root" sysv ""


DNF=(dnf -q -y --installroot="$root" --releasever=9 --setopt=reposdir="$T/empty"
     --disablerepo='*' --repofrompath="local,file://$repo" --enablerepo=local
     --setopt=local.gpgcheck=0 --setopt=install_weak_deps=False
     --setopt=cachedir="$T/cache" --nogpgcheck)
prov=$("${DNF[@]}" repoquery --whatprovides haproxy 2>/dev/null || true)
if echo "$prov" | grep -q '^haproxy-rs-'; then ok "dnf resolves 'haproxy' to haproxy-rs"; else bad "dnf resolves 'haproxy' ($prov)"; fi

# --- offline install into a scratch root -------------------------------------
if "${DNF[@]}" install haproxy >"$T/dnf.log" 2>&1; then ok "dnf --installroot install haproxy"; else bad "dnf --installroot install haproxy"; sed 's/^/     | /' "$T/dnf.log"; fi
rel=$(rpm --root "$root" -q --qf '%{NAME}-%{RELEASE}' haproxy-rs 2>/dev/null || true)
if [ "$rel" = haproxy-rs-1 ]; then ok "installed haproxy-rs release 1"; else bad "installed: '$rel'"; fi
for f in usr/sbin/haproxy etc/haproxy/haproxy.cfg etc/rc.d/init.d/haproxy etc/sysconfig/haproxy \
         etc/logrotate.d/haproxy etc/rsyslog.d/49-haproxy.conf usr/lib/systemd/system/haproxy.service var/lib/haproxy; do
    if [ -e "$root/$f" ]; then ok "installed /$f"; else bad "installed /$f"; fi
done
# the scriptlets ran in the root, with the stand-ins
check "%pre: group haproxy with gid 188" grep -qx 'haproxy:x:188:' "$root/etc/group"
check "%pre: user haproxy with uid 188, its group, home, shell" grep -qx 'haproxy:x:188:188:haproxy:/var/lib/haproxy:/sbin/nologin' "$root/etc/passwd"
check "%post (SysV root): chkconfig --add haproxy" grep -qx 'chkconfig --add haproxy' "$root/var/log/calls"
check "%post (SysV root): no systemctl" sh -c "! grep -q '^systemctl' '$root/var/log/calls'"
check "/var/lib/haproxy belongs to uid/gid 188" test "$(stat -c %u:%g "$root/var/lib/haproxy")" = 188:188
sed 's/^/     | /' "$root/var/log/calls"
check "installed binary: -v says 1.4.25" sh -c "'$root/usr/sbin/haproxy' -v | head -1 | grep -q '^HA-Proxy version 1.4.25'"
check "installed binary has no dynamic dependencies" sh -c "! ldd '$root/usr/sbin/haproxy' 2>&1 | grep -q '=>'"
check "packaged config passes -c" "$root/usr/sbin/haproxy" -c -q -f "$root/etc/haproxy/haproxy.cfg"

# --- TLS in the static binary (bind ... ssl crt, server ... ssl) -------------
if command -v openssl >/dev/null && command -v curl >/dev/null; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T/tls.key" \
        -out "$T/tls.crt" -days 2 -subj /CN=rpm.test 2>/dev/null
    cat "$T/tls.crt" "$T/tls.key" > "$T/tls.pem"
    python3 scripts/hold-port.py "$T/tls.port" &
    holder=$!
    for _ in $(seq 50); do [ -s "$T/tls.port" ] && break; sleep 0.1; done
    tport=$(cat "$T/tls.port")
    printf 'global\n    maxconn 100\ndefaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 5s\nlisten tls\n    bind 127.0.0.1:%s ssl crt %s\n    stats enable\n    stats uri /st\n    server s1 127.0.0.1:9 ssl verify none\n' \
        "$tport" "$T/tls.pem" > "$T/tls.cfg"
    check "installed static binary: a TLS config passes -c" "$root/usr/sbin/haproxy" -c -q -f "$T/tls.cfg"
    "$root/usr/sbin/haproxy" -db -f "$T/tls.cfg" >/dev/null 2>&1 &
    tlspid=$!
    for _ in $(seq 50); do curl -sk --max-time 1 -o /dev/null "https://127.0.0.1:$tport/st" && break; sleep 0.1; done
    check "installed static binary serves its stats page over TLS" \
        sh -c "curl -sk --max-time 5 'https://127.0.0.1:$tport/st' | grep -q 'Statistics Report for HAProxy'"
    kill "$tlspid" "$holder" 2>/dev/null || true
    wait "$tlspid" "$holder" 2>/dev/null || true
else
    echo "skip TLS checks of the static binary (openssl or curl missing)"
fi

# --- upgrade over an edited config -------------------------------------------
echo "# edited by the admin" >> "$root/etc/haproxy/haproxy.cfg"
cp rpm/haproxy.cfg "$T/haproxy-r2.cfg"
echo "# default changed in release 2" >> "$T/haproxy-r2.cfg"
RPM_RELEASE=2 RPM_CFG="$T/haproxy-r2.cfg" ./rpm/build.sh >"$T/build.log" 2>&1
cp target/rpmbuild/RPMS/x86_64/haproxy-rs-*-2.x86_64.rpm "$repo/"
createrepo_c -q --update "$repo"
if "${DNF[@]}" --refresh upgrade haproxy-rs >"$T/dnf.log" 2>&1; then ok "dnf --installroot upgrade"; else bad "dnf --installroot upgrade"; sed 's/^/     | /' "$T/dnf.log"; fi
rel=$(rpm --root "$root" -q --qf '%{NAME}-%{RELEASE}' haproxy-rs 2>/dev/null || true)
if [ "$rel" = haproxy-rs-2 ]; then ok "upgraded to release 2"; else bad "after upgrade: '$rel'"; fi
check "the admin's edit is kept" grep -q "edited by the admin" "$root/etc/haproxy/haproxy.cfg"
check "the new default lands in haproxy.cfg.rpmnew" grep -q "default changed in release 2" "$root/etc/haproxy/haproxy.cfg.rpmnew"
check "upgrade: %pre keeps the existing user" test "$(grep -c '^haproxy:' "$root/etc/passwd")" = 1

# --- a systemd root where uid 188 is taken ------------------------------------
root2=$T/root2
make_root "$root2" systemd 'avahi:x:188:188:taken:/:/sbin/nologin
'
DNF2=()
for a in "${DNF[@]}"; do [ "$a" = "--installroot=$root" ] && a=--installroot=$root2; DNF2+=("$a"); done
if "${DNF2[@]}" install haproxy-rs >"$T/dnf.log" 2>&1; then ok "dnf install in a systemd root"; else bad "dnf install in a systemd root"; sed 's/^/     | /' "$T/dnf.log"; fi
check "%pre: gid 188 free, taken" grep -qx 'haproxy:x:188:' "$root2/etc/group"
check "%pre: uid 188 taken, another uid for haproxy" grep -qx 'haproxy:x:999:188:haproxy:/var/lib/haproxy:/sbin/nologin' "$root2/etc/passwd"
check "%post (systemd root): daemon-reload, preset" sh -c "grep -qx 'systemctl daemon-reload' '$root2/var/log/calls' && grep -qx 'systemctl --no-reload preset haproxy.service' '$root2/var/log/calls'"
check "%post (systemd root): no chkconfig" sh -c "! grep -q '^chkconfig' '$root2/var/log/calls'"
sed 's/^/     | /' "$root2/var/log/calls"

# leave release 1 as the build output, as `make rpm` does
make rpm >"$T/build.log" 2>&1

echo "rpm test: $pass passed, $fail failed"
[ "$fail" = 0 ] || exit 1
./scripts/test-initscript.sh
