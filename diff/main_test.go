package diff

import (
	"os"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/fuzzing"
)

// TestMain gives fuzzing runs a short minimization (see internal/fuzzing),
// so `go test -fuzz` keeps executing instead of minimizing for minutes.
func TestMain(m *testing.M) { os.Exit(fuzzing.Main(m)) }
