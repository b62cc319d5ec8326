package main

import "github.com/tollgate-dev/tollgate/internal/buildinfo"

// release is this source's version: the release commit sets it with action.yml and CHANGELOG.md (docs/versioning.md).
const release = "v1.0.0"

var version, commit, date string // stamped by the release build: -ldflags "-X main.version=… -X main.commit=… -X main.date=…"

func build() buildinfo.Info { return buildinfo.Read(version, commit, date, release) }

func toolVersion() string { return build().Version }
