#!/usr/bin/env bash
# Regenerates diff/resourcespec.gz, the replacement table tollgate's diff
# embeds, from the npm package @aws-cdk/aws-service-spec. Needs node and npm;
# the build and the tests do not: the output is committed.
#   VERSION=0.1.216 diff/gen/generate.sh   # pin a version (default: latest)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "$here/.." && pwd)/resourcespec.gz
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version=${VERSION:-latest}
( cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund --silent "@aws-cdk/aws-service-spec@$version" )
node "$here/spec.mjs" "$work" > "$work/spec.txt"
# -n: no name or time in the header, so the same input gives the same bytes.
gzip -9 -n -c "$work/spec.txt" > "$out"
echo "wrote $out ($(wc -l < "$work/spec.txt") lines, $(wc -c < "$out") bytes)"
