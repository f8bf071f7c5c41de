package fleetsim_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"testing"
)

// profileEnv names a directory where BenchmarkWatchFleet writes the
// workbench's heap and goroutine profiles at the end of each window
// (heap-<n>.pprof, goroutine-<n>.pprof), while it still watches the
// fleet: -memprofile would catch it only after it stopped.
const profileEnv = "FLEETSIM_PROFILE_DIR"

// writeProfiles writes the profiles profileEnv asks for, if it does.
func writeProfiles(b *testing.B, n int) {
	dir := os.Getenv(profileEnv)
	if dir == "" {
		return
	}
	runtime.GC() // the heap profile is as of the last collection
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	summary := fmt.Sprintf("rss %.0f MB, heap in use %.0f MB, stacks %.0f MB, goroutines %d, sys %.0f MB\n",
		selfRSS()/1e6, float64(ms.HeapInuse)/1e6, float64(ms.StackInuse)/1e6, runtime.NumGoroutine(), float64(ms.Sys)/1e6)
	if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("memstats-%d.txt", n)), []byte(summary), 0o644); err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"heap", "goroutine"} {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s-%d.pprof", name, n)))
		if err != nil {
			b.Fatal(err)
		}
		err = pprof.Lookup(name).WriteTo(f, 0)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}
