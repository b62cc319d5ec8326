package template

// samePlaced reports whether two resolved documents hold the same value
// written in the same places. Branches of an Fn::If that write the same
// policy twice (once in each branch) are equal but not samePlaced: merging
// them would report a problem present in both at one branch's line only.
func samePlaced(a, b *Node) bool {
	if !Equal(a, b) {
		return false
	}
	return placedAlike(a, b, 0)
}

func placedAlike(a, b *Node, depth int) bool {
	if a == b {
		return true
	}
	if a == nil || b == nil || a.Pos != b.Pos || depth > MaxDepth {
		return a == nil && b == nil || depth > MaxDepth
	}
	switch a.Kind {
	case Seq, Unknown:
		for i := range a.Items {
			if i >= len(b.Items) || !placedAlike(a.Items[i], b.Items[i], depth+1) {
				return false
			}
		}
	case Map:
		for _, f := range a.Fields {
			g := b.Field(f.Key)
			if g == nil || g.KeyPos != f.KeyPos || !placedAlike(f.Value, g.Value, depth+1) {
				return false
			}
		}
	}
	return true
}
