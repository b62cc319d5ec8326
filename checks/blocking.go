package checks

// BlockPolicy decides which findings block a change.
type BlockPolicy struct {
	// Types block when a finding has one of them.
	Types []Type
	// Block lists codes that block whatever their type; Allow lists codes
	// that never block. Allow wins.
	Block []string
	Allow []string
}

// DefaultBlockTypes are the types that block unless configured otherwise.
var DefaultBlockTypes = []Type{Error, SecurityWarning}

// Blocks reports whether f blocks. Suppressed findings never do.
func (b BlockPolicy) Blocks(f Finding) bool {
	if f.Suppression != nil {
		return false
	}
	for _, c := range b.Allow {
		if c == f.Code {
			return false
		}
	}
	for _, c := range b.Block {
		if c == f.Code {
			return true
		}
	}
	for _, t := range b.Types {
		if t == f.Type {
			return true
		}
	}
	return false
}

// Apply sets Blocking on every finding.
func (b BlockPolicy) Apply(fs []Finding) {
	for i := range fs {
		fs[i].Blocking = b.Blocks(fs[i])
	}
}
