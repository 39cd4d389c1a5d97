#!/usr/bin/env bash
# Packaging test: builds the RPM, publishes it in a yum/dnf repository made
# with createrepo_c, checks that dnf resolves `haproxy` to haproxy-rs, and
# installs it into a scratch root with rpm to check the file layout.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
need=()
command -v rpmbuild >/dev/null || need+=(rpm)
command -v createrepo_c >/dev/null || need+=(createrepo-c)
command -v dnf >/dev/null || need+=(dnf)
if [ ${#need[@]} -gt 0 ]; then apt-get update -qq && apt-get install -y -qq "${need[@]}"; fi
make rpm >/dev/null
repo=$(mktemp -d) root=$(mktemp -d)
trap 'rm -rf "$repo" "$root"' EXIT
cp target/rpmbuild/RPMS/x86_64/haproxy-rs-*.rpm "$repo/"
createrepo_c -q "$repo"
prov=$(dnf -q --disablerepo='*' --repofrompath="local,file://$repo" --enablerepo=local \
       --setopt=local.gpgcheck=0 repoquery --whatprovides haproxy 2>/dev/null)
echo "dnf: 'haproxy' is provided by: $prov"
echo "$prov" | grep -q '^haproxy-rs-' || { echo "FAIL: dnf does not resolve haproxy to haproxy-rs"; exit 1; }
rpm -q --provides -p "$repo"/haproxy-rs-*.rpm | grep -qx 'haproxy = 1.4.25' || { echo "FAIL: Provides"; exit 1; }
rpm -q --obsoletes -p "$repo"/haproxy-rs-*.rpm | grep -q 'haproxy < 1.5' || { echo "FAIL: Obsoletes"; exit 1; }
rpm --root "$root" --nodeps --noscripts -i "$repo"/haproxy-rs-*.rpm
for f in usr/sbin/haproxy etc/haproxy/haproxy.cfg etc/rc.d/init.d/haproxy etc/sysconfig/haproxy \
         etc/logrotate.d/haproxy etc/rsyslog.d/49-haproxy.conf usr/lib/systemd/system/haproxy.service \
         var/lib/haproxy; do
    [ -e "$root/$f" ] || { echo "FAIL: missing /$f"; exit 1; }
done
ls "$root"/usr/share/man/man1/haproxy.1* >/dev/null || { echo "FAIL: man page"; exit 1; }
"$root/usr/sbin/haproxy" -v | head -1 | grep -q '^HA-Proxy version 1.4.25' || { echo "FAIL: -v"; exit 1; }
if ldd "$root/usr/sbin/haproxy" 2>&1 | grep -q "=>"; then echo "FAIL: dynamic dependencies"; exit 1; fi
"$root/usr/sbin/haproxy" -c -f "$root/etc/haproxy/haproxy.cfg"
grep -q -- '-c -q -f $cfgfile' "$root/etc/rc.d/init.d/haproxy"
grep -q -- '-sf $(cat $pidfile)' "$root/etc/rc.d/init.d/haproxy"
echo "rpm test: 1 passed, 0 failed"
