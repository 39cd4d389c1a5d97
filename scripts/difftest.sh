#!/usr/bin/env bash
# Our own differential catalogue: every tests/difftest/*.py, with goldens
# recorded from the real HAProxy 1.4.25 (../shared/oracle), run through the
# shared harness against BIN (default target/release/haproxy).
#
# tests/difftest/known-differences.txt names the scenarios that still differ
# from 1.4.25 today, each an open item of work. A failure not in that list
# fails the run; a listed scenario that now passes is reported (and fails the
# run under STRICT_KNOWN=1), so the list only ever shrinks.
set -euo pipefail
trap 'echo "difftest: stopped at line $LINENO (exit $?)"' ERR
cd "$(dirname "$0")/.."
BIN=${1:-target/release/haproxy}
SHARED=${SHARED:-../shared}
known=tests/difftest/known-differences.txt
out=$(mktemp)
trap 'rm -f "$out"' EXIT
args=()
for f in tests/difftest/*.py; do args+=(--catalogue "$f"); done
python3 "$SHARED/harness/difftest.py" --proxy "$BIN" "${args[@]}" --no-builtin \
    --compare tests/difftest/golden-1.4.25 --base-port "${DIFFTEST_BASE_PORT:-9000}" -j "${JOBS:-4}" >"$out" 2>&1 || true
summary=$(tail -n 1 "$out")
case "$summary" in *passed*) ;; *) cat "$out"; echo "difftest: the harness did not finish"; exit 1 ;; esac
failed=$( (grep -E '^FAIL ' "$out" || true) | awk '{print $2}' | sort -u)
listed=$(grep -vE '^(#|$)' "$known" 2>/dev/null | sort -u || true)
new=$(comm -23 <(echo "$failed" | grep . || true) <(echo "$listed" | grep . || true))
if [ -n "$new" ]; then
    # a timing-sensitive scenario may lose a race on a loaded machine: each
    # new failure gets one more run alone, and is reported if it passes then
    re="^($(echo "$new" | paste -sd'|'))\$"
    python3 "$SHARED/harness/difftest.py" --proxy "$BIN" "${args[@]}" --no-builtin \
        --compare tests/difftest/golden-1.4.25 --base-port "${DIFFTEST_BASE_PORT:-9000}" -j 1 -k "$re" >"$out.retry" 2>&1 || true
    again=$( (grep -E '^FAIL ' "$out.retry" || true) | awk '{print $2}' | sort -u)
    flaky=$(comm -23 <(echo "$new") <(echo "$again" | grep . || true))
    [ -z "$flaky" ] || { echo "difftest: passed only on a second run (timing):"; echo "$flaky" | sed 's/^/  /'; }
    new=$(comm -12 <(echo "$new") <(echo "$again" | grep . || true))
    rm -f "$out.retry"
fi
fixed=$(comm -13 <(echo "$failed" | grep . || true) <(echo "$listed" | grep . || true))
if [ -n "$new" ]; then
    for n in $new; do sed -n "/^FAIL \+$n /,/^\(PASS\|FAIL\) /p" "$out" | sed '$d'; done
    echo "difftest: scenarios that differ from 1.4.25 and are not known differences:"
    echo "$new" | sed 's/^/  /'
fi
if [ -n "$fixed" ]; then
    echo "difftest: known differences that now pass (remove them from $known):"
    echo "$fixed" | sed 's/^/  /'
fi
nknown=$(echo "$listed" | grep -c . || true)
echo "difftest: harness said \"$summary\"; $nknown known differences listed"
[ -z "$new" ] || exit 1
[ -z "$fixed" ] || [ "${STRICT_KNOWN:-0}" != 1 ] || exit 1
