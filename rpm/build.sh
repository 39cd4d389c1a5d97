#!/usr/bin/env bash
# Builds the haproxy-rs RPM with its own _topdir under target/.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v rpmbuild >/dev/null || { apt-get update -qq && apt-get install -y -qq rpm; }
top="$PWD/target/rpmbuild"
rm -rf "$top"
mkdir -p "$top"/{SOURCES,SPECS,BUILD,RPMS,SRPMS,BUILDROOT}
cp target/static/haproxy "$top/SOURCES/haproxy"
cp rpm/haproxy.init rpm/haproxy.sysconfig rpm/haproxy.logrotate \
   rpm/haproxy.rsyslog rpm/haproxy.service "$top/SOURCES/"
cp man/haproxy.1 "$top/SOURCES/"
# RPM_CFG packages another default config, RPM_RELEASE sets the release
# (the packaging test uses both to show an upgrade over an edited config)
cp "${RPM_CFG:-rpm/haproxy.cfg}" "$top/SOURCES/haproxy.cfg"
cp rpm/haproxy-rs.spec "$top/SPECS/"
rpmbuild --define "_topdir $top" --define "_build_id_links none" \
    --define "rpm_release ${RPM_RELEASE:-1}" --nodeps -bb "$top/SPECS/haproxy-rs.spec"
find "$top/RPMS" -name '*.rpm' -print
