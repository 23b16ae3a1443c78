#!/bin/bash
# The icmp check with each kind of socket it may be given: the unit test
# program (tests/unit/test_check_icmp.c) runs again in network namespaces of
# its own, where this script sets net.ipv4.ping_group_range and capabilities
# without touching the host's:
#
#   datagram  ping_group_range admits us: unprivileged ICMP sockets
#   raw       it does not, CAP_NET_RAW is there: raw sockets
#   none      neither: every check is unknown, saying what to change
#
# In its own namespace the program also makes the host deaf to pings
# (icmp_echo_ignore_all) for the tests of loss.
#
# Exit 77 (a skip) where network namespaces cannot be made (not root, or a
# sandbox without CAP_SYS_ADMIN).
set -euo pipefail

src=${GW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${GW_BUILD_DIR:-$src/build}
program=$build/tests/test_check_icmp
export GW_PLUGIN_DIR=$build/lib/gwyliwr/plugins

if ! unshare --net true 2>/dev/null; then
    echo "SKIP: cannot make a network namespace (unshare --net needs root)"
    exit 77
fi
if ! command -v setpriv >/dev/null; then
    echo "SKIP: setpriv (util-linux) is missing"
    exit 77
fi

cd "$build/tests"
failures=0
run() { # $1 = socket kind expected, $2 = ping_group_range, $3... = a wrapper
    local kind=$1 range=$2
    shift 2
    echo "== $kind sockets (ping_group_range $range)"
    if ! unshare --net sh -c 'ip link set lo up && sysctl -qw net.ipv4.ping_group_range="$0" &&
                             exec "$@"' "$range" "$@" \
        env GW_TEST_ICMP_SOCKET="$kind" GW_TEST_ICMP_NETNS=1 "$program"; then
        echo "FAIL: the icmp check with $kind sockets"
        failures=$((failures + 1))
    fi
}

run datagram "0 2147483647"
run raw "1 0"
run none "1 0" setpriv --bounding-set -net_raw --inh-caps -net_raw
[ "$failures" -eq 0 ]
