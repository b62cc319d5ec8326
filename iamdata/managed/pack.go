package managed

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Normalized is a whole data set in one value: what a source is read into
// and what Pack writes.
type Normalized struct {
	Source  string `json:"source"`
	Version string `json:"version"`
	// Updated is the newest policy update in the set (RFC 3339).
	Updated  string  `json:"updated"`
	Policies []Entry `json:"policies"`
}

// Entry is one policy's current (default) version.
type Entry struct {
	Name string `json:"name"`
	// Path is "/" or "/service-role/" and the like, with both slashes.
	Path      string `json:"path"`
	VersionID string `json:"versionId"`
	// Updated is when AWS last changed the policy (RFC 3339), when known.
	Updated  string          `json:"updated,omitempty"`
	Document json.RawMessage `json:"document"`
}

// The packed form: a magic line, a length-prefixed JSON header, the index
// (one tab-separated line per policy, sorted by name), then the documents,
// deflated in blocks of about blockSize bytes. Looking up one policy
// inflates one block (tens of kilobytes), not the whole set: that costs
// about 10% more space than one stream, and a fifth of the per-policy
// compression's. The index is stored as it is (125 KB, 35 KB deflated):
// inflating it would triple the cost of loading the set.
const (
	magic     = "TGMP1\n"
	blockSize = 64 << 10
)

// Limits on what a data file or source may hold, far above what AWS
// publishes (about 1,600 policies, the largest document 150 KB), so a
// corrupt or hostile file cannot exhaust memory.
const (
	maxPolicies     = 20000
	maxDocumentSize = 1 << 20
	maxBlockSize    = 8 << 20
	maxIndexSize    = 16 << 20
)

type header struct {
	Source  string `json:"source"`
	Version string `json:"version"`
	Updated string `json:"updated"`
	Count   int    `json:"count"`
	// Index is the index's length; Blocks each block's [offset, length]
	// after it.
	Index  int      `json:"index"`
	Blocks [][2]int `json:"blocks"`
}

// IAM's rules for names and paths: the names become ARNs and text in
// messages, so nothing else is accepted from a source.
var (
	nameRE      = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)
	pathRE      = regexp.MustCompile(`^/([\x21-\x7E]*/)?$`)
	versionIDRE = regexp.MustCompile(`^v[1-9][0-9]{0,5}$`)
)

// validate checks one entry before it is packed.
func (e *Entry) validate() error {
	switch {
	case !nameRE.MatchString(e.Name):
		return fmt.Errorf("policy name %q is not an IAM policy name", e.Name)
	case !pathRE.MatchString(e.Path) || len(e.Path) > 512 || strings.Contains(e.Path, "//"):
		return fmt.Errorf("policy %s: path %q is not an IAM path", e.Name, e.Path)
	case !versionIDRE.MatchString(e.VersionID):
		return fmt.Errorf("policy %s: version %q is not a policy version ID", e.Name, e.VersionID)
	case strings.ContainsAny(e.Updated, "\t\n"):
		return fmt.Errorf("policy %s: the update time %q has a tab or newline", e.Name, e.Updated)
	case len(e.Document) > maxDocumentSize:
		return fmt.Errorf("policy %s: the document is larger than %d bytes", e.Name, maxDocumentSize)
	}
	if err := checkDocument(e.Document); err != nil {
		return fmt.Errorf("policy %s: %w", e.Name, err)
	}
	return nil
}

// checkDocument accepts a JSON object, the only thing a policy can be.
func checkDocument(doc []byte) error {
	if !json.Valid(doc) {
		return errors.New("the document is not JSON")
	}
	if t := bytes.TrimLeft(doc, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return errors.New("the document is not a JSON object")
	}
	return nil
}

// Pack writes a data set in the packed form. Its output depends only on
// n: policies are sorted by name and documents compacted, so the same
// source gives the same bytes.
func Pack(w io.Writer, n *Normalized) error {
	if len(n.Policies) == 0 {
		return errors.New("the data set has no policies")
	}
	if len(n.Policies) > maxPolicies {
		return fmt.Errorf("the data set has %d policies, more than the %d expected", len(n.Policies), maxPolicies)
	}
	pols := append([]Entry(nil), n.Policies...)
	sort.Slice(pols, func(i, j int) bool { return pols[i].Name < pols[j].Name })
	for i := range pols {
		if err := pols[i].validate(); err != nil {
			return err
		}
		if i > 0 && pols[i].Name == pols[i-1].Name {
			return fmt.Errorf("policy %s appears twice", pols[i].Name)
		}
	}
	var blocks, cur, index bytes.Buffer
	h := header{Source: n.Source, Version: n.Version, Updated: n.Updated, Count: len(pols)}
	flush := func() error {
		if cur.Len() == 0 {
			return nil
		}
		start := blocks.Len()
		if err := deflate(&blocks, cur.Bytes()); err != nil {
			return err
		}
		h.Blocks = append(h.Blocks, [2]int{start, blocks.Len() - start})
		cur.Reset()
		return nil
	}
	for _, p := range pols {
		var doc bytes.Buffer
		if err := json.Compact(&doc, p.Document); err != nil {
			return fmt.Errorf("policy %s: %w", p.Name, err)
		}
		if cur.Len() > 0 && cur.Len()+doc.Len() > blockSize {
			if err := flush(); err != nil {
				return err
			}
		}
		fmt.Fprintf(&index, "%s\t%s\t%s\t%s\t%d\t%d\t%d\n", p.Name, p.Path, p.VersionID, p.Updated,
			len(h.Blocks), cur.Len(), doc.Len())
		cur.Write(doc.Bytes())
	}
	if err := flush(); err != nil {
		return err
	}
	h.Index = index.Len()
	hb, err := json.Marshal(h)
	if err != nil {
		return err
	}
	var size [4]byte
	binary.BigEndian.PutUint32(size[:], uint32(len(hb)))
	for _, b := range [][]byte{[]byte(magic), size[:], hb, index.Bytes(), blocks.Bytes()} {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

func deflate(w io.Writer, data []byte) error {
	fw, err := flate.NewWriter(w, flate.BestCompression)
	if err != nil {
		return err
	}
	if _, err := fw.Write(data); err != nil {
		return err
	}
	return fw.Close()
}

// inflate reads a deflated stream, refusing one that grows past limit.
func inflate(data []byte, limit int64) ([]byte, error) {
	r := flate.NewReader(bytes.NewReader(data))
	defer r.Close()
	out, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(out)) > limit {
		return nil, fmt.Errorf("it inflates past %d bytes", limit)
	}
	return out, nil
}

// parseIndex reads the index lines into policies. The strings share the
// index's memory: loading allocates little beyond the slice of policies.
func parseIndex(s *Set, text string, nblocks int) error {
	s.policies = make([]Policy, 0, s.count)
	var f [7]string
	for len(text) > 0 {
		line, rest, ok := strings.Cut(text, "\n")
		if !ok {
			return errors.New("the index does not end with a newline")
		}
		text = rest
		n := len(s.policies) + 1
		for i := range f {
			var more bool
			f[i], line, more = strings.Cut(line, "\t")
			if more != (i < len(f)-1) {
				return fmt.Errorf("index line %d does not have 7 fields", n)
			}
		}
		var nums [3]int
		for i, v := range f[4:] {
			x, err := strconv.Atoi(v)
			if err != nil || x < 0 {
				return fmt.Errorf("index line %d: %q is not a count", n, v)
			}
			nums[i] = x
		}
		p := Policy{Name: f[0], Path: f[1], VersionID: f[2], Updated: f[3],
			set: s, block: nums[0], off: nums[1], len: nums[2]}
		switch {
		case p.Name == "" || p.Path == "" || p.Path[0] != '/' || p.Path[len(p.Path)-1] != '/':
			return fmt.Errorf("index line %d names no policy or no path", n)
		case p.block >= nblocks || p.len > maxDocumentSize || p.off > maxBlockSize:
			return fmt.Errorf("policy %s is out of range", p.Name)
		case len(s.policies) > 0 && s.policies[len(s.policies)-1].Name >= p.Name:
			return fmt.Errorf("the index is not sorted at %s", p.Name)
		case len(s.policies) == s.count:
			return fmt.Errorf("the index has more policies than the header's %d", s.count)
		}
		s.policies = append(s.policies, p)
	}
	if len(s.policies) != s.count {
		return fmt.Errorf("the index has %d policies; the header says %d", len(s.policies), s.count)
	}
	return nil
}
