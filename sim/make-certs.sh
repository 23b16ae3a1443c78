#!/bin/sh
# Makes the TLS certificates the simulator serves, with the openssl command
# line, into DIR (created if needed; existing files are replaced):
#
#   ca.crt, ca.key                  a local certificate authority: clients trust ca.crt
#   valid.crt, valid.key            127.0.0.1 and localhost, signed by the CA, a year
#   expired.crt, expired.key        the same names and CA, expired yesterday
#   selfsigned.crt, selfsigned.key  127.0.0.1 and localhost, signed by itself
#   wronghost.crt, wronghost.key    wrong.example.org only, signed by the CA
#   expiring.crt, expiring.key      127.0.0.1 and localhost, signed by the CA, 3 days left
#
# Every key is ECDSA P-256. Usage: make-certs.sh DIR
#
# It says one line when it is done. openssl's chatter ("Certificate request
# self-signature ok", subjects) is kept back, and shown only if a step fails.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
mkdir -p "$1"
cd "$1"
work=$(mktemp -d ./.make-certs.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM

# openssl ARGS...: quiet unless it fails.
openssl() {
    command openssl "$@" 2>>"$work/openssl.log" || {
        cat "$work/openssl.log" >&2
        echo "make-certs.sh: openssl $1 failed" >&2
        exit 1
    }
}

# openssl's own configuration file would add extensions of its choosing:
# every step names a minimal one instead.
cat >"$work/req.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
EOF

cat >"$work/ca.ext" <<'EOF'
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF

# `openssl ca` is the command line's way to set both ends of the validity
# period, which an expired certificate needs.
cat >"$work/ca.cnf" <<EOF
[ca]
default_ca = local
[local]
database = $work/index.txt
new_certs_dir = $work
serial = $work/serial
default_md = sha256
policy = anything
unique_subject = no
[anything]
commonName = supplied
EOF
: >"$work/index.txt"
openssl rand -hex 16 >"$work/serial"

newkey() {
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"
    chmod 600 "$1"
}

# csr NAME CN SAN: a key, a request, and the extensions of a server certificate.
csr() {
    newkey "$1.key"
    openssl req -new -config "$work/req.cnf" -key "$1.key" -subj "/CN=$2" -out "$work/$1.csr"
    cat >"$work/$1.ext" <<EOF
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = $3
subjectKeyIdentifier = hash
EOF
}

# signed NAME DAYS: signs the request with the CA, valid from now.
signed() {
    printf 'authorityKeyIdentifier = keyid\n' >>"$work/$1.ext"
    openssl x509 -req -in "$work/$1.csr" -CA ca.crt -CAkey ca.key \
        -set_serial "0x$(openssl rand -hex 16)" -days "$2" -sha256 \
        -extfile "$work/$1.ext" -out "$1.crt"
}

local_names='IP:127.0.0.1, DNS:localhost'

newkey ca.key
openssl req -new -config "$work/req.cnf" -key ca.key -subj "/CN=gwyliwr-sim local CA" \
    -out "$work/ca.csr"
openssl x509 -req -in "$work/ca.csr" -signkey ca.key -days 3650 -sha256 \
    -set_serial "0x$(openssl rand -hex 16)" -extfile "$work/ca.ext" -out ca.crt

csr valid localhost "$local_names"
signed valid 365

csr expiring localhost "$local_names"
signed expiring 3

csr wronghost wrong.example.org 'DNS:wrong.example.org'
signed wronghost 365

csr selfsigned localhost "$local_names"
openssl x509 -req -in "$work/selfsigned.csr" -signkey selfsigned.key -days 365 -sha256 \
    -set_serial "0x$(openssl rand -hex 16)" -extfile "$work/selfsigned.ext" -out selfsigned.crt

csr expired localhost "$local_names"
printf 'authorityKeyIdentifier = keyid\n' >>"$work/expired.ext"
openssl ca -batch -notext -config "$work/ca.cnf" -cert ca.crt -keyfile ca.key \
    -in "$work/expired.csr" -out expired.crt -extfile "$work/expired.ext" \
    -startdate "$(date -u -d '30 days ago' +%Y%m%d%H%M%SZ)" \
    -enddate "$(date -u -d '1 day ago' +%Y%m%d%H%M%SZ)"

echo "make-certs.sh: a local CA and certificates valid, expiring (3 days), expired," \
    "selfsigned and wronghost in $(pwd)"
