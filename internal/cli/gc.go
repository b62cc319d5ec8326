package cli

import (
	"os"
	"runtime/debug"
)

// A check allocates many short-lived values (parsed nodes, resolved
// documents) over a small live heap: with Go's default GOGC=100 a third of
// its CPU time goes to the collector. Collecting when the heap has grown
// fivefold instead cuts the CPU time of a 1,000-template check by about a
// quarter for some 30 MB more (scripts/bench.sh), and the soft limit makes
// the collector work harder before a large repository takes more than
// 256 MiB. GOGC and GOMEMLIMIT, when set, win as usual.
const (
	gcPercent   = 400
	memoryLimit = 256 << 20
)

func init() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}
