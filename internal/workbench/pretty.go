package workbench

import (
	"bytes"
	"encoding/json"
)

// PrettyJSON indents a JSON document for people, two spaces a level,
// without decoding it: numbers keep every digit (9007199254740993 stays
// so, where a float64 would round it), object keys keep their order and
// strings their characters ("<" stays "<", not \u003c). Input that is not
// JSON is returned as it is.
func PrettyJSON(b []byte) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return string(b)
	}
	return buf.String()
}
