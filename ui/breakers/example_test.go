package breakers_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/colorprofile"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/breakers"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/styles"
)

func Example() {
	st := styles.New(colorprofile.NoTTY)
	v := breakers.New(&st, keys.Default())
	v.SetSize(80, 5)
	start := time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	key := hub.Key{Service: "gateway", InstanceID: "gateway-1"}
	// Views take hub messages as they are broadcast, and the clock.
	v.Update(hub.BreakerUpdate{Key: key, Breaker: wire.Breaker{Name: "books", State: wire.StateOpen,
		ErrorRatio: 0.6, Counts: wire.BreakerCounts{Requests: 20, Failures: 12}, LastTransition: start}})
	v.Update(ui.TickMsg{Now: start.Add(7 * time.Second)})
	for _, l := range strings.Split(v.View(), "\n") {
		fmt.Println(strings.TrimRight(l, " "))
	}
	// Output:
	//  1 open · 0 half-open · 0 closed   sorted by worst first (s)
	//   INSTANCE   BREAKER       STATE       ERR% VOLUME    P50    P99 RATE 10s    REJ
	// > gateway-1  books         open         60%     20      -      -               0
}
