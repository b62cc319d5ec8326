#!/usr/bin/env bash
# Measures `tollgate check` on a generated monorepo (wall time and peak RSS of
# the real binary) and, side by side on the same files, cfn-lint.
#
#   scripts/bench.sh                 # 1,000 templates x 40 resources, with cfn-lint
#   N=100 PER=5 CFN_LINT=0 scripts/bench.sh   # PER: groups of 8 resources per template
#
# Needs: go; /usr/bin/time (GNU); cfn-lint and python3 for the comparison.
# scripts/cfnlintcompare compares the two tools rule by rule on the fixtures.
set -euo pipefail
N=${N:-1000}
PER=${PER:-5}
RUNS=${RUNS:-5}
CFN_LINT=${CFN_LINT:-1}
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$top"
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$work/tollgate" ./cmd/tollgate
go run ./scripts/genrepo -n "$N" -groups "$PER" -plant -out "$work/repo"
files=$(find "$work/repo" -type f | wc -l)
bytes=$(du -sb "$work/repo" | cut -f1)
echo "repo: $files templates, $((PER * 8)) resources each, $((bytes / 1024)) KiB, $(nproc) cores"

best=""
for i in $(seq "$RUNS"); do
  /usr/bin/time -f "%e %M" -o "$work/time" "$work/tollgate" check --account 123456789012 --format json \
    --output "$work/tollgate.json" "$work/repo" 2>/dev/null || true
  read -r secs rss < <(tail -n 1 "$work/time")
  echo "tollgate run $i: ${secs} s wall, $((rss / 1024)) MiB peak RSS"
  if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then best=$secs; best_rss=$rss; fi
done
echo "tollgate best: ${best} s wall, $((best_rss / 1024)) MiB peak RSS"
echo "tollgate findings by code:"
grep -o '"code": "[A-Z_]*"' "$work/tollgate.json" | sort | uniq -c | sed 's/^/  /'

if [ "$CFN_LINT" = 1 ] && command -v cfn-lint >/dev/null; then
  echo "cfn-lint $(cfn-lint --version 2>&1 | awk '{print $2}') on the same $files files ..."
  start=$(date +%s.%N)
  (cd "$work/repo" && find . -type f -print0 | xargs -0 cfn-lint --format parseable > "$work/cfnlint.txt" 2>&1) || true
  end=$(date +%s.%N)
  cfn=$(awk "BEGIN{printf \"%.1f\", $end - $start}")
  echo "cfn-lint: ${cfn} s wall"
  awk "BEGIN{printf \"ratio: tollgate is %.0fx faster\n\", $cfn / $best}"
  echo "cfn-lint findings by rule:"
  awk -F: '{print $NF}' "$work/cfnlint.txt" | awk '{print $1}' | sort | uniq -c | sort -rn | head -15 | sed 's/^/  /'
  # Each planted problem tollgate reports is matched with cfn-lint findings
  # on the same file at or up to ten lines above it (cfn-lint points at
  # the element's key, tollgate at the value).
  python3 - "$work/tollgate.json" "$work/cfnlint.txt" "$work/repo" <<'PY'
import json, sys, collections
report, lint, repo = sys.argv[1:4]
planted = ["EXTERNAL_PRINCIPAL", "PASS_ROLE_WITH_STAR_IN_RESOURCE", "INVALID_ACTION", "INVALID_SERVICE_IN_ACTION",
           "RESOURCE_MISMATCH", "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL", "MISSING_GITHUB_REPO_CONDITION_KEY"]
near = collections.defaultdict(set)
for line in open(lint, errors="replace"):
    parts = line.split(":", 6)
    if len(parts) == 7 and parts[1].isdigit():
        near[parts[0].lstrip("./")].add(int(parts[1]))
found = collections.Counter()
caught = collections.Counter()
for f in json.load(open(report))["findings"]:
    if f["code"] not in planted:
        continue
    found[f["code"]] += 1
    rel = f["file"][len(repo):].lstrip("/")
    if any(l in near[rel] for l in range(f["line"] - 10, f["line"] + 1)):
        caught[f["code"]] += 1
print("planted problems (every tenth template): tollgate findings / of them also flagged by cfn-lint nearby")
for code in planted:
    print(f"  {code:40} {found[code]:5} / {caught[code]}")
PY
fi
