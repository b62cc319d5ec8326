#!/usr/bin/env bash
# Builds a tollgate release exactly as .github/workflows/release.yml does:
# one static binary per target (scripts/release targets), an archive of
# each and checksums.txt, in $OUT (default dist/). The build is
# reproducible: the same commit built with the same Go gives the same bytes
# on any machine, in any folder. docs/versioning.md says how to release.
#
#   scripts/release-build.sh [VERSION]          VERSION defaults to cmd/tollgate's release
#   scripts/release-build.sh --twice [VERSION]  build, then build again from a fresh clone
#                                               with an empty build cache, and compare
#
# ALLOW_DIRTY=1 builds a tree with uncommitted changes (never for a release;
# the commit is then stamped "<hash>-dirty").
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

twice=false
if [ "${1:-}" = "--twice" ]; then
	twice=true
	shift
fi
out=${OUT:-dist}
version=${1:-$(go run ./scripts/release version)}

# Every pin names this version (version.go, action.yml, CHANGELOG.md, workflows).
go run ./scripts/release check "$version"

# Exactly the Go of go.mod: another toolchain compiles other bytes.
want_go=go$(awk '$1 == "toolchain" {sub(/^go/, "", $2); print $2; exit} $1 == "go" {v=$2} END {if (v) print v}' go.mod | head -n1)
have_go=$(GOTOOLCHAIN=local go env GOVERSION)
if [ "$have_go" != "$want_go" ]; then
	echo "release-build: go.mod asks for $want_go, this machine has $have_go" >&2
	exit 1
fi

commit=$(git rev-parse HEAD)
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
	if [ "${ALLOW_DIRTY:-}" != 1 ]; then
		echo "release-build: the tree has uncommitted changes; commit them (or ALLOW_DIRTY=1 for a trial build)" >&2
		exit 1
	fi
	commit=$commit-dirty
fi
# The build time is the commit's: a rebuild of the same commit is identical.
epoch=$(git log -1 --format=%ct HEAD)
date=$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ HEAD)

rm -rf "$out"
mkdir -p "$out"
ldflags="-s -w -X main.version=$version -X main.commit=$commit -X main.date=$date"
start=$(date +%s)
for target in $(go run ./scripts/release targets); do
	goos=${target%/*} goarch=${target#*/}
	bin=tollgate
	[ "$goos" = windows ] && bin=tollgate.exe
	t0=$(date +%s)
	# Everything that changes the output is set here, not taken from the
	# caller's environment.
	env CGO_ENABLED=0 GOOS="$goos" GOARCH="$goarch" GOAMD64=v1 GOARM64=v8.0 GOEXPERIMENT= \
		GOTOOLCHAIN=local GOFLAGS=-mod=readonly \
		go build -trimpath -buildvcs=false -ldflags="$ldflags" \
		-o "$out/build/${goos}_${goarch}/$bin" ./cmd/tollgate
	echo "built $target in $(($(date +%s) - t0)) s"
done
echo "built $(go run ./scripts/release targets | wc -l | tr -d ' ') targets in $(($(date +%s) - start)) s"
go run ./scripts/release package -version "$version" -out "$out" -mtime "$epoch"
if command -v sha256sum >/dev/null 2>&1; then
	(cd "$out" && sha256sum -c --quiet checksums.txt)
else
	(cd "$out" && shasum -a 256 -c --quiet checksums.txt)
fi
cat "$out/checksums.txt"

if $twice; then
	tmp=$(mktemp -d)
	trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
	git clone -q --no-checkout "$root" "$tmp/src"
	git -C "$tmp/src" checkout -q "${commit%-dirty}"
	if [ "$commit" != "${commit%-dirty}" ]; then
		# Same uncommitted changes in the second tree.
		git diff HEAD | git -C "$tmp/src" apply --allow-empty
	fi
	echo "--- second build: $tmp/src, empty GOCACHE"
	(cd "$tmp/src" && GOCACHE="$tmp/gocache" GOMODCACHE="${GOMODCACHE:-$(go env GOMODCACHE)}" \
		OUT="$tmp/dist" ALLOW_DIRTY="${ALLOW_DIRTY:-}" bash scripts/release-build.sh "$version" | sed 's/^/  second build: /')
	if cmp -s "$out/checksums.txt" "$tmp/dist/checksums.txt"; then
		echo "reproducible: the second build's checksums.txt is identical"
	else
		echo "NOT reproducible:" >&2
		diff "$out/checksums.txt" "$tmp/dist/checksums.txt" >&2 || true
		exit 1
	fi
fi
