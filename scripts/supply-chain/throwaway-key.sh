#!/usr/bin/env bash
# Makes a GPG signing key for a test, valid one day, with no passphrase, in $GNUPGHOME (which
# must be set: a temporary folder, never a person's keyring), and prints its fingerprint.
# Real releases are signed with a key held as docs/security.md describes, never one made here.
#
#   export GNUPGHOME="$(mktemp -d)"
#   SIGNING_KEY="$(scripts/supply-chain/throwaway-key.sh "Cruddur CI (test)")"
#
# Env: GNUPGHOME (required).
set -euo pipefail
: "${GNUPGHOME:?set GNUPGHOME to a temporary folder}"
name="${1:?usage: $0 NAME}"
uid="$name <signing@cruddur.invalid>"

gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
    --quick-generate-key "$uid" ed25519 sign 1d 2>/dev/null
gpg --batch --with-colons --list-secret-keys "=$uid" 2>/dev/null | awk -F: '$1 == "fpr" { print $10; exit }'
