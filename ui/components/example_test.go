package components_test

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/colorprofile"

	"github.com/kitbench/kitbench/ui/components"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/styles"
)

func ExampleSparkline() {
	fmt.Printf("[%s]\n", components.Sparkline([]float64{1, 3, 7, 2, 0, 5}, 8))
	// Output:
	// [  ▂▄█▃▁▆]
}

func ExampleTable() {
	st := styles.New(colorprofile.NoTTY) // plain text, for the example
	t := components.NewTable(&st, keys.Default().Nav,
		components.Column{Title: "BREAKER", Width: 10, Flex: 1},
		components.Column{Title: "STATE", Width: 9},
		components.Column{Title: "ERR%", Width: 5, Align: components.AlignRight, Desc: true},
	)
	t.SetSize(32, 4)
	t.SetRows([]components.Row{
		{Key: "a", Cells: []components.Cell{{Text: "books.get"}, {Text: "closed", Tone: styles.ToneGood}, {Text: "0.4%"}}},
		{Key: "b", Cells: []components.Cell{{Text: "books.list\x1b[2J"}, {Text: "open", Tone: styles.ToneBad}, {Text: "61%"}}},
		{Key: "c", Cells: []components.Cell{{Text: "authors.get"}, {Text: "half-open", Tone: styles.ToneWarn}, {Text: "12%"}}},
	})
	t.SortBy(2) // worst error rate first
	for _, line := range strings.Split(t.View(), "\n") {
		fmt.Println("|" + strings.TrimRight(line, " "))
	}
	// Output:
	// |  BREAKER        STATE     ERR%↓
	// |> books.list     open        61%
	// |  authors.get    half-open   12%
	// |  books.get      closed     0.4%
}
