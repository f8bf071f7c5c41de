package dashboard_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/charmbracelet/colorprofile"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
)

// BenchmarkChurnTick is the dashboard's work between two frames while it
// watches 1,000 instances that churn: a quarter of a second's hub
// messages (metrics of every instance refreshed at the full rate, 10
// instances leaving and 10 joining) and the tick that rebuilds the views,
// then the frame. A key waits behind this work.
func BenchmarkChurnTick(b *testing.B) {
	f := loaded(b, colorprofile.NoTTY, 1000, 300, 0)
	snap, _ := bigFleet(1000, 0, 0)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		for j := range 10 {
			gone := snap.Instances[(i*10+j)%1000].Key
			f.send(hub.InstanceGone{Key: gone})
			joined := hub.Key{Service: gone.Service, InstanceID: fmt.Sprintf("%s-j%d", gone.InstanceID, i)}
			f.send(hub.InstanceUpdate{Instance: instance(joined, 30000+j)})
		}
		for j := range 125 { // 500 instances' metrics every 2 s
			in := snap.Instances[(i*125+j)%1000]
			f.send(metricsOf(in.Key, float64(j%50), float64(j%7)/20, time.Duration(j%90)*time.Millisecond))
		}
		f.send(ui.TickMsg{Now: t0.Add(time.Minute + time.Duration(i)*250*time.Millisecond)})
		_ = f.m.View()
	}
}
