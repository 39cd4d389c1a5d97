#!/usr/bin/env bash
# Packaging test: builds the RPM, checks its metadata, publishes it in a
# yum/dnf repository made with createrepo_c, installs it offline with
# `dnf --installroot` into a scratch root (a tiny stub package stands in for
# the CentOS base: /bin/sh, chkconfig, shadow-utils), then upgrades it over
# an edited config to show the .rpmnew handling. Then runs the init-script
# test (scripts/test-initscript.sh).
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

DNF=(dnf -q -y --installroot="$root" --releasever=9 --setopt=reposdir="$T/empty"
     --disablerepo='*' --repofrompath="local,file://$repo" --enablerepo=local
     --setopt=local.gpgcheck=0 --setopt=install_weak_deps=False
     --setopt=tsflags=noscripts --setopt=cachedir="$T/cache" --nogpgcheck)
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
check "installed binary: -v says 1.4.25" sh -c "'$root/usr/sbin/haproxy' -v | head -1 | grep -q '^HA-Proxy version 1.4.25'"
check "installed binary has no dynamic dependencies" sh -c "! ldd '$root/usr/sbin/haproxy' 2>&1 | grep -q '=>'"
check "packaged config passes -c" "$root/usr/sbin/haproxy" -c -q -f "$root/etc/haproxy/haproxy.cfg"

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
# leave release 1 as the build output, as `make rpm` does
make rpm >"$T/build.log" 2>&1

echo "rpm test: $pass passed, $fail failed"
[ "$fail" = 0 ] || exit 1
./scripts/test-initscript.sh
