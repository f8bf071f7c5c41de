package benchutil

import (
	"testing"
	"time"
)

// pairTurn is how many requests one turn of a paired measurement sends to
// one child before the other child's turn.
const pairTurn = 500

// ReportPairedServerCPU measures the server in c against a baseline server
// in base, both children, taking turns of up to 500 requests each until
// each has served b.N: both see the same machine at nearly the same
// moment, so a busy neighbour or a frequency change between two
// sub-benchmarks cannot pass for a difference between the servers. The
// order alternates from turn to turn. send must send exactly n requests to
// the child it is given.
//
// It reports c's CPU time per request as "server-ns/op" (comparable with
// ReportServerCPU's) and c's CPU time over base's for the same requests as
// "server-cpu-ratio"; the benchmark's own time/op counts c's turns only.
func ReportPairedServerCPU(b *testing.B, c, base *Child, send func(to *Child, n int) error) {
	b.Helper()
	var cpu, baseCPU time.Duration
	turn := func(to *Child, n int, sum *time.Duration, timed bool) {
		before := to.CPU()
		if timed {
			b.StartTimer()
		}
		err := send(to, n)
		if timed {
			b.StopTimer()
		}
		if err != nil {
			b.Fatal(err)
		}
		*sum += to.CPU() - before
	}
	b.ResetTimer()
	b.StopTimer()
	for done, i := 0, 0; done < b.N; i++ {
		n := min(pairTurn, b.N-done)
		if i%2 == 0 {
			turn(c, n, &cpu, true)
			turn(base, n, &baseCPU, false)
		} else {
			turn(base, n, &baseCPU, false)
			turn(c, n, &cpu, true)
		}
		done += n
	}
	b.ReportMetric(float64(cpu)/float64(b.N), "server-ns/op")
	if baseCPU > 0 {
		b.ReportMetric(float64(cpu)/float64(baseCPU), "server-cpu-ratio")
	}
}
