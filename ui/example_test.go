package ui_test

import (
	"context"
	"fmt"

	"github.com/kitbench/kitbench/ui"
)

// The data source publishes immutable snapshots on a channel; WaitFor turns
// the channel into messages, and each message carries the command that
// waits for the next one (the root model runs it).
func ExampleWaitFor() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	updates := make(chan string, 2)
	updates <- "snapshot 1"
	updates <- "snapshot 2"
	close(updates)

	cmd := ui.WaitFor(ctx, updates)
	for cmd != nil {
		switch msg := cmd().(type) {
		case ui.Received[string]:
			fmt.Println(msg.Value)
			cmd = msg.Next()
		case ui.Closed[string]:
			fmt.Println("closed")
			cmd = nil
		}
	}
	// Output:
	// snapshot 1
	// snapshot 2
	// closed
}
