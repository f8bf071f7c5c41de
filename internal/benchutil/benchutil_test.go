package benchutil

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
)

// echo answers each line with the same line, burning some CPU first.
func echo(ln net.Listener) error { return serveEcho(ln, 200000) }

// heavyEcho is echo burning four times the CPU per line.
func heavyEcho(ln net.Listener) error { return serveEcho(ln, 800000) }

func serveEcho(ln net.Listener, burn int) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		go func() {
			defer c.Close()
			r := bufio.NewReader(c)
			for {
				s, err := r.ReadString('\n')
				if err != nil {
					return
				}
				// Burn some CPU so the measurement has something to see.
				x := 0
				for i := 0; i < burn; i++ {
					x += i % 7
				}
				fmt.Fprintf(c, "%s", strings.Replace(s, "\n", fmt.Sprintf(" %d\n", x%2), 1))
			}
		}()
	}
}

func init() {
	Register("echo", echo)
	Register("heavy-echo", heavyEcho)
}

// pingLines sends n lines over conn and checks each answer.
func pingLines(conn net.Conn, r *bufio.Reader, n int) error {
	for i := range n {
		fmt.Fprintf(conn, "ping %d\n", i)
		got, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		if !strings.HasPrefix(got, fmt.Sprintf("ping %d ", i)) {
			return fmt.Errorf("got %q", got)
		}
	}
	return nil
}

func TestPairedMeasurementTellsTheServersApart(t *testing.T) {
	heavy, light := StartChild(t, "heavy-echo"), StartChild(t, "echo")
	sent := map[*Child]int{}
	conns := map[*Child]net.Conn{}
	readers := map[*Child]*bufio.Reader{}
	for _, c := range []*Child{heavy, light} {
		conn, err := net.Dial("tcp", c.Addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conns[c], readers[c] = conn, bufio.NewReader(conn)
	}
	res := testing.Benchmark(func(b *testing.B) {
		clear(sent)
		ReportPairedServerCPU(b, heavy, light, func(to *Child, n int) error {
			sent[to] += n
			return pingLines(conns[to], readers[to], n)
		})
	})
	if res.N == 0 || sent[heavy] != res.N || sent[light] != res.N {
		t.Fatalf("N=%d, sent %d to the measured child and %d to the baseline: want N each", res.N, sent[heavy], sent[light])
	}
	// Four times the work per line: whatever the machine does, the ratio
	// is well above 1, and the per-request figure is the heavy child's.
	if r := res.Extra["server-cpu-ratio"]; r < 1.5 {
		t.Errorf("server-cpu-ratio %.2f for a server doing 4× the work", r)
	}
	if res.Extra["server-ns/op"] <= 0 {
		t.Errorf("server-ns/op %v", res.Extra["server-ns/op"])
	}
}

func TestMain(m *testing.M) { Main(m) }

func TestChildServesAndReportsCPU(t *testing.T) {
	c := StartChild(t, "echo")
	conn, err := net.Dial("tcp", c.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	before := c.CPU()
	if err := pingLines(conn, bufio.NewReader(conn), 200); err != nil {
		t.Fatal(err)
	}
	if after := c.CPU(); after <= before {
		t.Fatalf("child CPU did not grow: %v then %v", before, after)
	}
}

func TestUnknownServer(t *testing.T) {
	var out strings.Builder
	if code := runChild("nope", strings.NewReader(""), &out); code == 0 || !strings.Contains(out.String(), `"nope"`) {
		t.Fatalf("code %d, out %q", code, out.String())
	}
}

func TestSpread(t *testing.T) {
	var calls atomic.Int64
	if err := Spread(1000, 7, func(int) error { calls.Add(1); return nil }); err != nil || calls.Load() != 1000 {
		t.Fatalf("err %v calls %d", err, calls.Load())
	}
	boom := errors.New("boom")
	calls.Store(0)
	err := Spread(1000, 4, func(i int) error {
		calls.Add(1)
		if i == 10 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || calls.Load() >= 1000 {
		t.Fatalf("err %v calls %d: want early stop with boom", err, calls.Load())
	}
}
