package dashboard_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
)

// searchQuery is a trace search with every kind of term the bench fleet
// can match.
const searchQuery = "svc:svc-0 op:op-3 !err dur>100us dur<1s"

// runAll runs cmd and what it batches, feeding the messages back, and
// waits up to a generous deadline for each: unlike runQuick it lets the
// search command finish on a loaded machine.
func runAll(f *fixture, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	select {
	case msg := <-ch:
		switch msg := msg.(type) {
		case tea.BatchMsg:
			for _, c := range msg {
				runAll(f, c)
			}
		case nil:
		default:
			runAll(f, f.send(msg))
		}
	case <-time.After(10 * time.Second):
	}
}

// BenchmarkViewSearch is BenchmarkView's traces tab with a trace search
// active: a frame of the big fleet (1,000 instances, 300 breakers, 10,000
// spans) while the list shows only the traces that match.
func BenchmarkViewSearch(b *testing.B) {
	for _, prof := range []colorprofile.Profile{colorprofile.NoTTY, colorprofile.TrueColor} {
		f := loaded(b, prof, 1000, 300, 10_000)
		runAll(f, f.keys("4"))
		runAll(f, f.send(press("/")))
		for _, r := range searchQuery {
			k := string(r)
			if k == " " {
				k = "space"
			}
			runAll(f, f.send(press(k)))
		}
		runAll(f, f.keys("enter"))
		screen := f.screen()
		if !strings.Contains(screen, "match /"+searchQuery) || !strings.Contains(screen, "op-0") {
			b.Fatalf("the search is not active:\n%s", screen)
		}
		b.Run(fmt.Sprintf("instances=1000/breakers=300/spans=10000/tab=traces-search/profile=%s", prof), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = f.m.View()
			}
		})
	}
}
