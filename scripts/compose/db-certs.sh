#!/bin/sh
# Makes the database's TLS certificate for compose.yaml: a private CA and a
# certificate for the host name `db`, so Cairn verifies the database
# (sslmode=verify-full) on the compose network. Runs at every `up`; makes
# new ones only when there are none or they expire within 30 days. The CA's
# private key is deleted at once: nobody can issue another certificate that
# Cairn would trust.
set -eu
cd "${CERT_DIR:-/certs}"
if [ -f server.crt ] && openssl x509 -checkend 2592000 -noout -in server.crt >/dev/null; then
  echo "db-certs: the database certificate is current"
  exit 0
fi
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 \
  -subj "/CN=Cairn database CA" -addext basicConstraints=critical,CA:TRUE \
  -addext keyUsage=critical,keyCertSign,cRLSign -keyout ca.key -out ca.crt 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=db" \
  -keyout server.key -out server.csr 2>/dev/null
printf 'subjectAltName=DNS:db\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 800 \
  -extfile server.ext -out server.crt 2>/dev/null
rm -f ca.key ca.srl server.csr server.ext
# PostgreSQL (uid 999 in its image) reads the key; Cairn (uid 10001) reads
# only the CA certificate.
chown "${DB_UID:-999}:${DB_UID:-999}" server.key server.crt
chmod 600 server.key
chmod 644 server.crt ca.crt
echo "db-certs: made a new database certificate, valid 800 days"
