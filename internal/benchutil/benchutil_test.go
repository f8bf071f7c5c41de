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

// echo answers each line with the same line.
func echo(ln net.Listener) error {
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
				for i := 0; i < 200000; i++ {
					x += i % 7
				}
				fmt.Fprintf(c, "%s", strings.Replace(s, "\n", fmt.Sprintf(" %d\n", x%2), 1))
			}
		}()
	}
}

func init() { Register("echo", echo) }

func TestMain(m *testing.M) { Main(m) }

func TestChildServesAndReportsCPU(t *testing.T) {
	c := StartChild(t, "echo")
	conn, err := net.Dial("tcp", c.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	before := c.CPU()
	r := bufio.NewReader(conn)
	for i := 0; i < 200; i++ {
		fmt.Fprintf(conn, "ping %d\n", i)
		got, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(got, fmt.Sprintf("ping %d ", i)) {
			t.Fatalf("got %q", got)
		}
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
