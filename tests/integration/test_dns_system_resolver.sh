#!/bin/bash
# The dns check through the system's resolver: the unit test program
# (tests/unit/test_check_dns.c) runs again in a network namespace of its
# own, where /etc/resolv.conf (bind-mounted in a mount namespace of its own)
# names 127.0.0.2 and the program starts dnsmasq there on port 53. Nothing
# outside the namespaces sees a packet or a changed file.
#
# Exit 77 (a skip) where namespaces cannot be made (not root, or a sandbox
# without CAP_SYS_ADMIN).
set -euo pipefail

src=${GW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${GW_BUILD_DIR:-$src/build}
program=$build/tests/test_check_dns
export GW_PLUGIN_DIR=$build/lib/gwyliwr/plugins

if ! unshare --net --mount true 2>/dev/null; then
    echo "SKIP: cannot make network and mount namespaces (unshare needs root)"
    exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'nameserver 127.0.0.2\noptions timeout:1 attempts:1\n' >"$tmp/resolv.conf"

cd "$build/tests"
unshare --net --mount sh -c 'ip link set lo up && mount --bind "$0" /etc/resolv.conf &&
                             exec env GW_TEST_DNS_SYSTEM=1 "$1"' "$tmp/resolv.conf" "$program"
