package iamdata

import (
	"fmt"
	"sort"
	"strings"
)

// ARNFormat is one ARN format of a resource type, split into the six ARN
// fields: "arn", partition, service, region, account and resource.
type ARNFormat struct {
	// Prefix is the IAM service prefix whose resource type this is.
	Prefix       string
	ResourceType string
	// Format is the whole format, e.g. "arn:${Partition}:s3:::${BucketName}".
	Format string
	// Region, Account and Resource are the fourth, fifth and sixth fields.
	Region, Account, Resource string
}

// arnField returns the ARN service field of a format, or "" when the format
// is not a six-field ARN or its service is itself a variable.
func arnField(format string) (service string, fields []string) {
	fields = strings.SplitN(format, ":", 6)
	if len(fields) != 6 || fields[0] != "arn" || strings.Contains(fields[2], "${") {
		return "", nil
	}
	return fields[2], fields
}

// arnIndex maps each ARN service to the sorted prefixes that declare
// resource types with ARNs of that service.
func arnIndex(services []Service) map[string][]string {
	sets := map[string]map[string]bool{}
	for _, svc := range services {
		for _, rt := range svc.ResourceTypes {
			for _, f := range rt.ARNs {
				service, _ := arnField(f)
				if service == "" {
					continue
				}
				if sets[service] == nil {
					sets[service] = map[string]bool{}
				}
				sets[service][strings.ToLower(svc.Prefix)] = true
			}
		}
	}
	out := make(map[string][]string, len(sets))
	for service, set := range sets {
		for p := range set {
			out[service] = append(out[service], p)
		}
		sort.Strings(out[service])
	}
	return out
}

// arnPrefixes returns the prefixes that declare ARNs of service.
func (s *Set) arnPrefixes(service string) []string {
	s.arnOnce.Do(func() {
		if s.arnServices != nil {
			return
		}
		// A data set packed before the index existed: decode everything once.
		var all []Service
		for _, p := range s.prefixes {
			if svc := s.Service(p); svc != nil {
				all = append(all, *svc)
			}
		}
		s.arnServices = arnIndex(all)
	})
	return s.arnServices[service]
}

// HasARNService reports whether some resource type has ARNs of service
// ("s3", "execute-api"), compared exactly: ARN services are lower case.
func (s *Set) HasARNService(service string) bool {
	return len(s.arnPrefixes(service)) > 0
}

// ARNServices returns every ARN service, sorted.
func (s *Set) ARNServices() []string {
	s.arnPrefixes("")
	out := make([]string, 0, len(s.arnServices))
	for k := range s.arnServices {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ARNFormats returns every ARN format whose service field is service, from
// every prefix that declares one. The result is shared: do not modify it.
func (s *Set) ARNFormats(service string) []ARNFormat {
	s.mu.Lock()
	out, ok := s.formats[service]
	s.mu.Unlock()
	if ok {
		return out
	}
	for _, p := range s.arnPrefixes(service) {
		svc := s.Service(p)
		if svc == nil {
			continue
		}
		for _, rt := range svc.ResourceTypes {
			for _, f := range rt.ARNs {
				if fs, fields := arnField(f); fs == service {
					out = append(out, ARNFormat{Prefix: svc.Prefix, ResourceType: rt.Name, Format: f,
						Region: fields[3], Account: fields[4], Resource: fields[5]})
				}
			}
		}
	}
	s.mu.Lock()
	s.formats[service] = out
	s.mu.Unlock()
	return out
}

// MatchActions returns the actions of a service that an action pattern
// (the part after "prefix:", with * and ? wildcards) matches, compared
// without regard to case as IAM does. Results are cached per pattern and
// shared: do not modify them.
func (s *Set) MatchActions(prefix, pattern string) []*Action {
	l := s.load(prefix)
	if l == nil {
		return nil
	}
	lower := strings.ToLower(pattern)
	l.mu.Lock()
	out, ok := l.matches[lower]
	l.mu.Unlock()
	if ok {
		return out
	}
	out = []*Action{}
	if !strings.ContainsAny(lower, "*?") {
		if i, ok := l.actions[lower]; ok {
			out = append(out, &l.svc.Actions[i])
		}
	} else {
		for i := range l.svc.Actions {
			if WildcardMatch(lower, strings.ToLower(l.svc.Actions[i].Name)) {
				out = append(out, &l.svc.Actions[i])
			}
		}
	}
	l.mu.Lock()
	if l.matches == nil {
		l.matches = map[string][]*Action{}
	}
	l.matches[lower] = out
	l.mu.Unlock()
	return out
}

// WildcardMatch reports whether s matches pattern, where * stands for any
// run of characters and ? for any one, as in IAM actions. It compares bytes
// exactly; callers lower-case both sides for IAM's case-insensitive match.
func WildcardMatch(pattern, s string) bool {
	// Iterative matching with backtracking to the last star: linear in
	// practice, and never exponential on hostile patterns.
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// Normalized decodes every service of the set into the normalized form
// (for diffs and re-packing). It costs a few hundred milliseconds.
func (s *Set) Normalized() (*Normalized, error) {
	n := &Normalized{Source: s.Source, Version: s.Version, Updated: s.Updated}
	for _, k := range s.global {
		n.Global = append(n.Global, k)
	}
	sort.Slice(n.Global, func(i, j int) bool { return n.Global[i].Name < n.Global[j].Name })
	for _, p := range s.prefixes {
		l := s.load(p)
		if l == nil {
			return nil, fmt.Errorf("IAM data: service %s cannot be decoded: %w", p, s.loadErr(p))
		}
		n.Services = append(n.Services, *l.svc)
	}
	return n, nil
}

// Validate decodes every service, reporting the first that is corrupt. A
// data set read from a cache is validated once before it is trusted.
func (s *Set) Validate() error {
	for _, p := range s.prefixes {
		if s.load(p) == nil {
			return fmt.Errorf("IAM data: service %s cannot be decoded: %w", p, s.loadErr(p))
		}
	}
	return nil
}

func (s *Set) loadErr(prefix string) error {
	s.mu.Lock()
	l := s.services[strings.ToLower(prefix)]
	s.mu.Unlock()
	if l == nil || l.err == nil {
		return fmt.Errorf("unknown service")
	}
	return l.err
}

// Counts returns how many services and actions the set holds. It decodes
// every service.
func (s *Set) Counts() (services, actions int) {
	for _, p := range s.prefixes {
		if svc := s.Service(p); svc != nil {
			services++
			actions += len(svc.Actions)
		}
	}
	return services, actions
}

// GlobalKeys returns the global condition keys with their types, for a
// data set built on top of this one.
func (s *Set) GlobalKeys() []ConditionKey {
	out := make([]ConditionKey, 0, len(s.global))
	for _, k := range s.global {
		out = append(out, k)
	}
	return out
}

// GlobalConditionKeys returns the names of the global condition keys, sorted.
func (s *Set) GlobalConditionKeys() []string {
	out := make([]string, 0, len(s.global))
	for _, k := range s.global {
		out = append(out, k.Name)
	}
	sort.Strings(out)
	return out
}
