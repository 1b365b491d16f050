#!/usr/bin/env bash
# Build an offline govulncheck database in OUTDIR.
#
#   scripts/vulndb.sh OUTDIR
#   go tool -modfile=tools/go.mod govulncheck -db "file://$(realpath OUTDIR)" ./...
#
# The machines this project runs on cannot reach vuln.go.dev, but the Go module
# proxy serves golang.org/x/vulndb, which holds every Go vulnerability report as
# OSV JSON under data/osv. That module's own cmd/indexdb turns the folder into
# the v1 database layout (index/db.json, index/modules.json, index/vulns.json,
# ID/*.json) that govulncheck reads with -db file://DIR.
#
# The snapshot is pinned, so every run scans against the same data. To refresh
# it, run `go list -m golang.org/x/vulndb@latest` in tools/ (the module has no
# tags; that gives the newest pseudo-version), then update VULNDB_VERSION and
# VULNDB_SUM together (the sum is printed by `go mod download -json`).
#
# Idempotent: when OUTDIR already holds a database it does nothing.
set -euo pipefail

VULNDB_VERSION=v0.0.0-20261105234957-e22db6528018
# go.sum hash of that module zip; the go command also checks it against the
# checksum database, this is belt and braces.
VULNDB_SUM=h1:mfngRv0Yoh0VApsXKEN82CjD99kl7mtparN3bs3JnqI=

if [[ $# -ne 1 || -z "$1" ]]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi
out=$1

if [[ -s "$out/index/db.json" && -s "$out/index/modules.json" && -s "$out/index/vulns.json" ]]; then
	echo "vulndb: $out already has a database, skipping" >&2
	exit 0
fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# `go mod download MODULE@VERSION` needs a main module; tools/ is one. It does
# not touch tools/go.mod or tools/go.sum.
info=$(cd "$root/tools" && go mod download -json "golang.org/x/vulndb@$VULNDB_VERSION")
dir=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$info")
sum=$(sed -n 's/^[[:space:]]*"Sum": "\(.*\)",\{0,1\}$/\1/p' <<<"$info")
if [[ "$sum" != "$VULNDB_SUM" ]]; then
	echo "vulndb: golang.org/x/vulndb@$VULNDB_VERSION has sum '$sum', want '$VULNDB_SUM'" >&2
	exit 1
fi
if [[ ! -d "$dir/data/osv" ]]; then
	echo "vulndb: no data/osv in '$dir'" >&2
	exit 1
fi

# indexdb writes the index before the entries, so build into a temporary
# sibling and rename: an interrupted run never leaves a half-written database
# that the check above would accept.
mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d "$(dirname "$out")/.vulndb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# `go run pkg@version` builds indexdb in module-aware mode with vulndb's own
# go.mod, ignoring tools/go.mod (the cd only keeps it away from the app module).
(cd "$root/tools" && go run "golang.org/x/vulndb/cmd/indexdb@$VULNDB_VERSION" \
	-vulns "$dir/data/osv" -out "$tmp/db")
rm -rf "$out"
mv "$tmp/db" "$out"
echo "vulndb: wrote $(find "$out/ID" -name '*.json' | wc -l) entries to $out (golang.org/x/vulndb@$VULNDB_VERSION)" >&2
