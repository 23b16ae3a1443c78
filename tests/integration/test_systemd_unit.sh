#!/bin/bash
# The systemd unit as it would be installed: its sandbox scores an exposure
# of 2.0 or less in `systemd-analyze security`, `systemd-analyze verify`
# finds nothing wrong with its directives, it keeps the contract the daemon
# relies on (Type=notify, watchdog, state directory, user, CAP_NET_RAW), and
# the sysusers snippet creates the user it runs as.
#
# Exit 77 (a skip) where systemd-analyze is missing or too old for --offline.
set -euo pipefail

src=${GW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${GW_BUILD_DIR:-$src/build}
template=$src/systemd/gwyliwr.service.in
sysusers=$src/systemd/gwyliwr.sysusers
max_exposure=2.0

if ! command -v systemd-analyze >/dev/null; then
    echo "SKIP: systemd-analyze not installed"
    exit 77
fi
if ! systemd-analyze --help 2>&1 | grep -q -- '--offline'; then
    echo "SKIP: systemd-analyze has no --offline (systemd older than 250)"
    exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# The unit as configure_file() makes it for a /usr install. The file must be
# named gwyliwr.service: systemd-analyze takes the unit name from it.
generate() { # $1 = bindir, $2 = output file
    sed -e "s|@CMAKE_INSTALL_FULL_BINDIR@|$1|g" \
        -e 's|@CMAKE_INSTALL_FULL_SYSCONFDIR@|/etc|g' \
        -e 's|@CMAKE_INSTALL_FULL_DOCDIR@|/usr/share/doc/gwyliwr|g' \
        "$template" >"$2"
}
mkdir "$tmp/install" "$tmp/verify"
unit=$tmp/install/gwyliwr.service
generate /usr/bin "$unit"

if grep -n '@[A-Za-z_]*@' "$unit"; then
    fail "variables left unsubstituted (the test's sed list is out of date with the template)"
fi

# --- the contract with the daemon -----------------------------------------
require() { # $1 = exact line expected in the unit
    grep -qxF -- "$1" "$unit" || fail "unit lacks the line '$1'"
}
require 'Type=notify'
require 'ExecStart=/usr/bin/gwyliwr run -c /etc/gwyliwr/gwyliwr.yaml'
# shellcheck disable=SC2016 # $MAINPID is systemd's, not ours
require 'ExecReload=/bin/kill -HUP $MAINPID'
require 'Restart=on-failure'
require 'User=gwyliwr'
require 'Group=gwyliwr'
require 'StateDirectory=gwyliwr'
require 'AmbientCapabilities=CAP_NET_RAW'
require 'CapabilityBoundingSet=CAP_NET_RAW'
require 'UMask=0027'
# The web server's threads lower their priority (daemon/web/server.c): the
# filter must let setpriority through, or they run at the loop's.
require 'SystemCallFilter=setpriority'
grep -qE '^WatchdogSec=[1-9]' "$unit" || fail "unit has no WatchdogSec="

# --- (a) exposure -----------------------------------------------------------
security_out=$tmp/security.txt
if ! systemd-analyze security --offline=true "$unit" >"$security_out" 2>&1; then
    cat "$security_out"
    fail "systemd-analyze security failed"
fi
exposure=$(sed -n 's/.*Overall exposure level for gwyliwr\.service: \([0-9][0-9.]*\).*/\1/p' \
    "$security_out")
if [ -z "$exposure" ]; then
    cat "$security_out"
    fail "no 'Overall exposure level' line in systemd-analyze security output"
else
    echo "Overall exposure level: $exposure (must be <= $max_exposure)"
    if ! awk -v e="$exposure" -v m="$max_exposure" 'BEGIN { exit !(e <= m) }'; then
        grep '✗' "$security_out" || true
        fail "exposure $exposure is above $max_exposure"
    fi
fi
# Warnings about the unit's own lines mean a directive was not understood,
# so its protection is not in the score at all.
if grep -F "$unit:" "$security_out"; then
    fail "systemd-analyze security did not understand the lines above"
fi

# --- (b) verify -------------------------------------------------------------
# verify loads the unit into a throw-away manager and also checks that its
# ExecStart= binary exists, so this copy points at the binary in the build
# tree (or at true(1) when the build made none: the directives are what is
# checked here, not the daemon). Where systemd is not PID 1 (containers, CI)
# verify can also fail for reasons that are not the unit's: no /run/systemd,
# no bus, no cgroup hierarchy, other units on the host. So only these count:
# diagnostics that point at a line of our file ("<file>:<line>: Unknown key",
# "Failed to parse ...") and load errors of gwyliwr.service itself ("has no
# ExecStart=", "fatal error", "bad-setting"). Everything else is printed and
# ignored.
exe=$build/bin/gwyliwr
if [ ! -x "$exe" ]; then
    echo "note: $exe not built; verify runs against $(type -P true) instead"
    exe=$(type -P true)
fi
vunit=$tmp/verify/gwyliwr.service
generate /usr/bin "$vunit"
sed -i "s|^ExecStart=/usr/bin/gwyliwr |ExecStart=$exe |" "$vunit"
grep -qF "ExecStart=$exe run -c" "$vunit" || fail "could not point ExecStart= at $exe"

verify_out=$tmp/verify.txt
verify_rc=0
systemd-analyze verify --man=no --recursive-errors=no "$vunit" >"$verify_out" 2>&1 || verify_rc=$?
own_errors=$(grep -E "^$vunit:[0-9]+:|^gwyliwr\.service: .*(ExecStart=|[Ff]atal|bad-setting|Refusing|Unknown|[Ii]nvalid|[Ff]ailed to parse)" \
    "$verify_out" || true)
if [ -n "$own_errors" ]; then
    echo "$own_errors"
    fail "systemd-analyze verify found errors in the unit's directives"
elif [ "$verify_rc" -ne 0 ] || [ -s "$verify_out" ]; then
    echo "note: systemd-analyze verify exited $verify_rc with messages not about the unit itself:"
    sed 's/^/    /' "$verify_out"
else
    echo "systemd-analyze verify: no complaints"
fi

# --- (c) the user -----------------------------------------------------------
if command -v systemd-sysusers >/dev/null; then
    root=$tmp/root
    mkdir -p "$root/etc"
    if systemd-sysusers --root="$root" "$sysusers" >"$tmp/sysusers.txt" 2>&1; then
        entry=$(grep '^gwyliwr:' "$root/etc/passwd" || true)
        echo "sysusers creates: $entry"
        uid=$(echo "$entry" | cut -d: -f3)
        gid=$(echo "$entry" | cut -d: -f4)
        shell=$(echo "$entry" | cut -d: -f7)
        [ -n "$entry" ] || fail "sysusers did not create the user gwyliwr"
        # A system user: below the first regular UID of login.defs / systemd.
        if ! [[ "$uid" =~ ^[0-9]+$ ]] || [ "$uid" -eq 0 ] || [ "$uid" -ge 1000 ]; then
            fail "uid '$uid' is not a system uid"
        fi
        grep -q "^gwyliwr:x:$gid:" "$root/etc/group" || fail "no group gwyliwr with gid $gid"
        case "$shell" in
        */nologin | */false) ;;
        *) fail "user gwyliwr has a login shell: '$shell'" ;;
        esac
    else
        cat "$tmp/sysusers.txt"
        fail "systemd-sysusers rejected $sysusers"
    fi
else
    echo "note: systemd-sysusers not installed; sysusers snippet not checked"
fi

if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "all systemd unit checks passed"
