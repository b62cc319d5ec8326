// Package gitops maps branches to environments and plans deployments: the
// environments and presets of .tollgate.yml, stack names per branch, the
// plan of a branch (its matrix and stages), and a deploy's admission by the
// plan. It is pure: it reads no repository (package gitrepo does) and
// calls no API.
package gitops
