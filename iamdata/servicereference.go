package iamdata

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// The AWS service reference publishes one JSON document per service prefix
// and a list of them. Its shapes are read here into the normalized form;
// everything in them is untrusted network input and is checked before use.

// ServiceListEntry is one element of service-list.json.
type ServiceListEntry struct {
	Service string `json:"service"`
	URL     string `json:"url"`
}

// prefixRE is what a service prefix may look like. Prefixes become file
// names in the cache, so nothing else is accepted.
var prefixRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// ParseServiceList reads service-list.json.
func ParseServiceList(data []byte) ([]ServiceListEntry, error) {
	var list []ServiceListEntry
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("the service list is not the JSON list of {service, url} expected: %w", err)
	}
	if len(list) == 0 {
		return nil, errors.New("the service list is empty")
	}
	seen := map[string]bool{}
	for i, e := range list {
		if !prefixRE.MatchString(e.Service) {
			return nil, fmt.Errorf("service list entry %d: %q is not a service prefix", i, e.Service)
		}
		if seen[e.Service] {
			return nil, fmt.Errorf("service list entry %d: service %s is listed twice", i, e.Service)
		}
		seen[e.Service] = true
		if e.URL == "" {
			return nil, fmt.Errorf("service list entry %d (%s) has no url", i, e.Service)
		}
	}
	return list, nil
}

// referenceService is the shape of one service document.
type referenceService struct {
	Name    string `json:"Name"`
	Version string `json:"Version"`
	Actions []struct {
		Name                string   `json:"Name"`
		ActionConditionKeys []string `json:"ActionConditionKeys"`
		Annotations         struct {
			Properties struct {
				IsList                 bool `json:"IsList"`
				IsPermissionManagement bool `json:"IsPermissionManagement"`
				IsTaggingOnly          bool `json:"IsTaggingOnly"`
				IsWrite                bool `json:"IsWrite"`
			} `json:"Properties"`
		} `json:"Annotations"`
		Resources []struct {
			Name string `json:"Name"`
		} `json:"Resources"`
	} `json:"Actions"`
	ConditionKeys []struct {
		Name  string   `json:"Name"`
		Types []string `json:"Types"`
	} `json:"ConditionKeys"`
	Resources []struct {
		Name          string   `json:"Name"`
		ARNFormats    []string `json:"ARNFormats"`
		ConditionKeys []string `json:"ConditionKeys"`
	} `json:"Resources"`
}

// actionNameRE is what an action name may look like.
var actionNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`)

// ParseServiceReference reads one service document. prefix is the service
// it was listed as; the document must name the same service.
func ParseServiceReference(prefix string, data []byte) (*Service, string, error) {
	var r referenceService
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, "", fmt.Errorf("service %s: the document is not the service reference JSON expected: %w", prefix, err)
	}
	if !strings.EqualFold(r.Name, prefix) {
		return nil, "", fmt.Errorf("service %s: the document describes %q instead", prefix, r.Name)
	}
	svc := &Service{Prefix: prefix, Name: prefix}
	seen := map[string]bool{}
	for _, a := range r.Actions {
		if !actionNameRE.MatchString(a.Name) {
			return nil, "", fmt.Errorf("service %s: %q is not an action name", prefix, a.Name)
		}
		if seen[strings.ToLower(a.Name)] {
			continue // listed twice; IAM names are case-insensitive
		}
		seen[strings.ToLower(a.Name)] = true
		p := a.Annotations.Properties
		act := Action{Name: a.Name, Access: Read, ConditionKeys: a.ActionConditionKeys}
		switch {
		case p.IsPermissionManagement:
			act.Access = PermissionsManagement
		case p.IsTaggingOnly:
			act.Access = Tagging
		case p.IsWrite:
			act.Access = Write
		case p.IsList:
			act.Access = List
		}
		for _, res := range a.Resources {
			// The service reference does not mark required resource types.
			act.Resources = append(act.Resources, ActionResource{Type: res.Name})
		}
		svc.Actions = append(svc.Actions, act)
	}
	for _, k := range r.ConditionKeys {
		typ := "String"
		if len(k.Types) > 0 {
			typ = k.Types[0]
		}
		svc.ConditionKeys = append(svc.ConditionKeys, ConditionKey{Name: k.Name, Type: typ})
	}
	for _, res := range r.Resources {
		svc.ResourceTypes = append(svc.ResourceTypes, ResourceType{Name: res.Name, ARNs: res.ARNFormats, ConditionKeys: res.ConditionKeys})
	}
	return svc, r.Version, nil
}
