package main

import (
	"encoding/json"
	"io"

	"github.com/kitbench/kitbench/internal/sanitize"
)

// printJSON writes v as indented JSON and a newline. Every -o json output
// of kitbench goes through it or through sanitize.JSON: encoding/json
// writes C1 controls (U+009B is a CSI), bidi overrides and zero-width
// characters raw, and a terminal would obey them; escaped as \u009b and
// the like, they mean the same to a JSON reader.
func printJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(sanitize.JSON(b), '\n'))
	return err
}
