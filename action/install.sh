#!/usr/bin/env bash
# Puts the tollgate binary the action runs on this runner, and writes its
# path to $GITHUB_OUTPUT as "path". action.yml runs it; its tests are in
# internal/release (action_test.go), against a local server serving a fake
# release.
#
# Everything comes in through the environment, never through ${{ }} in
# the script, so no input can become shell code:
#   TOLLGATE_VERSION      the release action.yml pins, e.g. v1.2.3
#   TOLLGATE_INSTALL      release (download the pinned release binary) or
#                         source (build this checkout of the action with Go)
#   TOLLGATE_RELEASE_URL  where releases are: <url>/<version>/<archive>
#   RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP, GITHUB_ACTION_PATH, GITHUB_OUTPUT
#                         set by the runner (uname and /tmp stand in for the
#                         first three outside Actions)
#
# It runs on the bash of every GitHub-hosted runner: bash 5 on Linux, Git
# Bash on Windows, and macOS's bash 3.2, so it uses nothing newer.
set -euo pipefail

# fail prints an error annotation (escaped as workflow commands need:
# the text may hold an input) and stops.
fail() {
	msg=$* pct=% cr=$'\r' lf=$'\n'
	msg=${msg//"$pct"/%25}
	msg=${msg//"$cr"/%0D}
	msg=${msg//"$lf"/%0A}
	echo "::error title=tollgate install::$msg"
	exit 1
}

version=${TOLLGATE_VERSION:-}
install=${TOLLGATE_INSTALL:-release}
base=${TOLLGATE_RELEASE_URL:-https://github.com/tollgate-dev/tollgate/releases/download}
base=${base%/}
tmp=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
out=${GITHUB_OUTPUT:-/dev/null}

# The platform: the runner's own names first; uname outside Actions.
os=${RUNNER_OS:-$(uname -s)}
arch=${RUNNER_ARCH:-$(uname -m)}
case "$os" in
Linux | linux) goos=linux ;;
macOS | Darwin) goos=darwin ;;
Windows | Windows_NT | MINGW* | MSYS* | CYGWIN*) goos=windows ;;
*) goos=unknown ;;
esac
case "$arch" in
X64 | x86_64 | amd64) goarch=amd64 ;;
ARM64 | arm64 | aarch64) goarch=arm64 ;;
*) goarch=unknown ;;
esac
bin=tollgate
ext=.tar.gz
if [ "$goos" = windows ]; then
	bin=tollgate.exe
	ext=.zip
	# Git Bash runs "/d/a/_temp/…" but not every tool takes "D:\a\_temp".
	if command -v cygpath >/dev/null 2>&1; then
		tmp=$(cygpath -u "$tmp")
	fi
fi

case "$install" in
release | source) ;;
*) fail "input install: \"$install\" is not one of release, source" ;;
esac

dir=$(mktemp -d "$tmp/tollgate.XXXXXX")

if [ "$install" = source ]; then
	# Forks, air-gapped GHES and this repository's own dogfood workflow:
	# build the checkout of the action itself (action.yml sets Go up first).
	src=${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}
	command -v go >/dev/null 2>&1 || fail "install: source needs Go on the runner; none is on PATH"
	echo "Building tollgate from source in $src with $(go env GOVERSION)"
	(cd "$src" && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$dir/$bin" ./cmd/tollgate) ||
		fail "building tollgate from $src failed (see above)"
	v=$("$dir/$bin" version) || fail "the binary built from $src does not run"
	echo "${v%%$'\n'*}"
	echo "path=$dir/$bin" >>"$out"
	exit 0
fi

case "$version" in
v[0-9]*.[0-9]*.[0-9]*) ;;
*) fail "TOLLGATE_VERSION \"$version\" is not a release vX.Y.Z; action.yml pins it" ;;
esac
if ! printf '%s' "$version" | grep -Eq '^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$'; then
	fail "TOLLGATE_VERSION \"$version\" is not a release vX.Y.Z; action.yml pins it"
fi
case "$goos/$goarch" in
linux/amd64 | linux/arm64 | darwin/amd64 | darwin/arm64 | windows/amd64) ;;
*) fail "tollgate $version has no release binary for this runner ($os $arch); there are binaries for Linux X64 and ARM64, macOS X64 and ARM64 and Windows X64. Use one of those, or set install: source to build it with Go." ;;
esac
case "$base" in
https://*) ;;
*) fail "input release-url: \"$base\" is not an https:// URL" ;;
esac

archive=tollgate_${version#v}_${goos}_${goarch}${ext}
fetch() { # URL FILE: https only, also after redirects; retried when the error is transient
	curl --fail --silent --show-error --location --proto '=https' --proto-redir '=https' \
		--retry 3 --retry-delay 2 --connect-timeout 20 --max-time 300 -o "$2" "$1"
}
echo "Downloading tollgate $version for $goos/$goarch from $base/$version/"
fetch "$base/$version/checksums.txt" "$dir/checksums.txt" ||
	fail "could not download $base/$version/checksums.txt (see above). Is $version released there? install: source builds it instead."
fetch "$base/$version/$archive" "$dir/$archive" ||
	fail "could not download $base/$version/$archive (see above)"

# The archive must have exactly one well-formed line in checksums.txt, and
# match it.
want=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1 }' "$dir/checksums.txt")
if [ -z "$want" ] || [ "$(printf '%s\n' "$want" | wc -l | tr -d ' ')" != 1 ] ||
	! printf '%s' "$want" | grep -Eq '^[0-9a-fA-F]{64}$'; then
	fail "checksums.txt of $version has no single SHA-256 line for $archive; refusing to run it"
fi
if command -v sha256sum >/dev/null 2>&1; then
	got=$(sha256sum "$dir/$archive" | awk '{ print $1 }')
elif command -v shasum >/dev/null 2>&1; then
	got=$(shasum -a 256 "$dir/$archive" | awk '{ print $1 }')
elif command -v openssl >/dev/null 2>&1; then
	got=$(openssl dgst -sha256 -r "$dir/$archive" | awk '{ print $1 }')
else
	fail "no sha256sum, shasum or openssl on this runner to verify the download"
fi
want=$(printf '%s' "$want" | tr 'A-F' 'a-f')
got=$(printf '%s' "$got" | tr 'A-F' 'a-f')
if [ "$got" != "$want" ]; then
	rm -f "$dir/$archive"
	fail "$archive has SHA-256 $got, but checksums.txt of $version says $want; refusing to run it"
fi
echo "Verified $archive (SHA-256 $got)"

# Unpack only the binary, from inside the folder: GNU tar on Windows reads
# "D:…" as a remote host.
cd "$dir"
if [ "$goos" = windows ]; then
	if command -v unzip >/dev/null 2>&1; then
		unzip -q -o "$archive" "$bin"
	else
		powershell.exe -NoProfile -NonInteractive -Command \
			"\$ErrorActionPreference = 'Stop'; Expand-Archive -Force -LiteralPath '$archive' -DestinationPath ." ||
			fail "could not unpack $archive: no unzip, and PowerShell failed"
	fi
else
	tar -xzf "$archive" "$bin"
fi
[ -f "$bin" ] || fail "$archive holds no $bin"
chmod +x "$bin"
rm -f "$archive"

# The binary must be the version pinned: a mirror serving another release
# under this name would pass the checksum of its own checksums.txt.
v=$("./$bin" version) || fail "$dir/$bin does not run on this runner"
first=${v%%$'\n'*}
if [ "$first" != "tollgate $version" ]; then
	fail "$archive says \"$first\", not \"tollgate $version\"; refusing to run it"
fi
echo "$first"
echo "path=$dir/$bin" >>"$out"
