package checks

import (
	"errors"
	"sync"

	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/iamdata/managed"
	"github.com/tollgate-dev/tollgate/policy"
	"github.com/tollgate-dev/tollgate/template"
)

// managedDocs reads AWS managed policy documents for every template a
// Checker judges: the set is loaded on first use, and each document is
// parsed once.
type managedDocs struct {
	given *managed.Set
	once  sync.Once
	set   *managed.Set
	err   error
	mu    sync.Mutex
	docs  map[string]*managedDoc
}

type managedDoc struct {
	once  sync.Once
	doc   *policy.Document
	facts *docFacts
	err   error
}

func newManagedDocs(set *managed.Set) *managedDocs {
	return &managedDocs{given: set, docs: map[string]*managedDoc{}}
}

// Set returns the managed policy data set (the built-in one unless
// Options.Managed names another).
func (m *managedDocs) Set() (*managed.Set, error) {
	m.once.Do(func() {
		if m.given != nil {
			m.set = m.given
			return
		}
		m.set, m.err = managed.Embedded()
	})
	return m.set, m.err
}

// document returns the parsed document of an AWS managed policy and its
// facts for the privilege rules.
func (m *managedDocs) document(data *iamdata.Set, p *managed.Policy) (*policy.Document, *docFacts, error) {
	m.mu.Lock()
	d := m.docs[p.Path+p.Name]
	if d == nil {
		d = &managedDoc{}
		m.docs[p.Path+p.Name] = d
	}
	m.mu.Unlock()
	d.once.Do(func() {
		n, err := p.Node()
		if err != nil {
			d.err = err
			return
		}
		d.doc = policy.Parse(n)
		d.facts = factsOf(data, d.doc)
	})
	return d.doc, d.facts, d.err
}

// facts returns the privilege facts of a template's document, found once
// per template.
func (c *TemplateContext) facts(d *policy.Document) *docFacts {
	if f, ok := c.docFacts[d]; ok {
		return f
	}
	if c.docFacts == nil {
		c.docFacts = map[*policy.Document]*docFacts{}
	}
	f := factsOf(c.Options.Data, d)
	c.docFacts[d] = f
	return f
}

// managedLookup is what a ManagedPolicyArns entry (or SAM name) refers to.
type managedLookup struct {
	// text is the resolved reference; policy the AWS managed policy it
	// names, when it names one that exists.
	text     string
	policy   *managed.Policy
	notFound *managed.NotFoundError
}

// lookupManaged resolves a managed policy reference against the data set.
// Values known only at deploy time, customer managed ARNs and text that is
// not a reference at all give an empty result (the last is
// another rule's finding).
func (c *TemplateContext) lookupManaged(ref *template.ManagedPolicyRef) managedLookup {
	s, ok := ref.ARN.Str()
	if !ok || s == "" {
		return managedLookup{}
	}
	if c.managedCache == nil {
		c.managedCache = map[string]managedLookup{}
	}
	key := s
	if ref.SAM {
		key = "sam\x00" + s
	}
	if l, ok := c.managedCache[key]; ok {
		return l
	}
	l := managedLookup{text: s}
	set, err := c.managed.Set()
	if err == nil {
		r, perr := managed.ParseRef(s)
		switch {
		case perr != nil:
		case !r.IsARN() && !ref.SAM:
			// a bare name outside SAM is not an ARN: not ours to judge
		case !r.AWSManaged():
		default:
			p, lerr := set.LookupRef(r)
			var nf *managed.NotFoundError
			switch {
			case lerr == nil:
				l.policy = p
			case errors.As(lerr, &nf):
				l.notFound = nf
			}
		}
	}
	c.managedCache[key] = l
	return l
}
