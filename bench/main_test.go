package bench

import (
	"testing"

	"github.com/kitbench/kitbench/internal/benchutil"
)

// TestMain lets benchmarks run servers in child processes (benchutil) to
// measure server CPU per request; servers register in init functions.
func TestMain(m *testing.M) { benchutil.Main(m) }
