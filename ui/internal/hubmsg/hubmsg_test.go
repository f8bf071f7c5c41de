package hubmsg_test

import (
	"context"
	"testing"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/internal/hubmsg"
)

func TestEachUnwraps(t *testing.T) {
	k := hub.Key{Service: "s", InstanceID: "i"}
	ch := make(chan hub.Msg, 1)
	ch <- hub.InstanceGone{Key: k}
	rec := ui.WaitFor(context.Background(), ch)()
	for name, msg := range map[string]any{
		"bare": hub.InstanceGone{Key: k}, "received": rec, "batch": []hub.Msg{hub.InstanceGone{Key: k}},
	} {
		n := 0
		ok := hubmsg.Each(msg, func(m hub.Msg) {
			if m.About() != k {
				t.Errorf("%s: about %v", name, m.About())
			}
			n++
		})
		if !ok || n != 1 {
			t.Errorf("%s: ok=%v n=%d", name, ok, n)
		}
	}
	if hubmsg.Each("text", func(hub.Msg) { t.Error("called") }) {
		t.Error("a string is not a hub message")
	}
	if _, ok := hubmsg.Snapshot(hub.Snapshot{}); !ok {
		t.Error("snapshot not recognised")
	}
	if _, ok := hubmsg.Snapshot(rec); ok {
		t.Error("a hub.Msg is not a snapshot")
	}
}
