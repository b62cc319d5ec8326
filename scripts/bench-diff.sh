#!/usr/bin/env bash
# Compares tollgate's template diff with @aws-cdk/cloudformation-diff
# (fullDiff) on the same inputs in the same run, and times `tollgate diff` in
# a repository of 1,000 templates with one changed. Needs go, node and npm;
# `go test` does not. Prints a table; the numbers go in the issue note.
#   CFN_DIFF_VERSION=2.187.5 LIMIT=600 scripts/bench-diff.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
limit=${LIMIT:-600}

cd "$root"
go build -o "$work/tollgate" ./cmd/tollgate
go build -o "$work/diffbench" ./scripts/diffbench
"$work/diffbench" gen "$work/in"

mkdir -p "$work/npm"
( cd "$work/npm" && npm init -y >/dev/null && npm install --no-audit --no-fund --silent "@aws-cdk/cloudformation-diff@${CFN_DIFF_VERSION:-latest}" )
cfn_version=$(node -p "require('$work/npm/node_modules/@aws-cdk/cloudformation-diff/package.json').version")

# Wall and CPU time (every thread's, the collectors' too) are both given:
# on a shared machine the CPU time is the steadier of the two.
printf '%-14s %18s %28s %14s %s\n' input "tollgate ms (cpu)" "cloudformation-diff ms (cpu)" "ratio (cpu)" "changed (tollgate / cfn-diff)"
par_lines=""
for name in wide-2000 chain-400 chain-800 chain-1600 chain-join-400; do
  read -r ours ours_n ours_cpu ours_par < <("$work/diffbench" time "$work/in/$name.base.json" "$work/in/$name.head.json" 9)
  if out=$(timeout "$limit" node "$root/scripts/cfn-diff-bench.mjs" "$work/npm" "$work/in/$name.base.json" "$work/in/$name.head.json" 3); then
    read -r theirs theirs_n theirs_cpu <<<"$out"
    ratio=$(awk -v a="$theirs" -v b="$ours" -v c="$theirs_cpu" -v d="$ours_cpu" 'BEGIN { printf "%.0fx (%.0fx)", a / b, c / d }')
  else
    theirs=">${limit}000" theirs_cpu="?" theirs_n="?" ratio=">$(awk -v a="$limit" -v b="$ours" 'BEGIN { printf "%.0f", a * 1000 / b }')x"
  fi
  printf '%-14s %18s %28s %14s %s\n' "$name" "$ours ($ours_cpu)" "$theirs ($theirs_cpu)" "$ratio" "$ours_n / $theirs_n"
  par_lines+="$name: ${ours_par} ms with both sides parsed at once, as tollgate diff does"$'\n'
done
printf '%s' "$par_lines"

"$work/diffbench" repo "$work/repo" 1000
times=()
for _ in 1 2 3 4 5 6 7; do
  start=$(date +%s%N)
  ( cd "$work/repo" && "$work/tollgate" diff --base HEAD~1 --format json >/dev/null ) || [ $? -eq 1 ]
  times+=( $(( ($(date +%s%N) - start) / 1000000 )) )
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 4p)
echo "tollgate diff, 1 of 1,000 templates changed: median ${median} ms of 7 runs (target <= 300 ms; process start included)"
echo "cloudformation-diff $cfn_version · $(go version | cut -d' ' -f3) · $(nproc) cores"
