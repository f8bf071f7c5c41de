package schema

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

type docAuthor struct {
	Name string `json:"name"`
}

type docBase struct {
	ID string `json:"id" path:"id"`
}

type docBook struct {
	docBase
	Title   string            `json:"title"`
	Year    int               `json:"year,omitempty"`
	Price   float64           `json:"price"`
	Tags    []string          `json:"tags"`
	Authors []*docAuthor      `json:"authors"`
	Main    *docAuthor        `json:"main"`
	Meta    map[string]string `json:"meta"`
	Added   time.Time         `json:"added"`
	Next    *docBook          `json:"next"`
	Secret  string            `json:"-"`
	hidden  int
	Plain   bool
}

func TestDescribeType(t *testing.T) {
	_ = docBook{hidden: 1} // unexported: never described
	d, tmpl := DescribeType(reflect.TypeFor[*docBook]())
	got, _ := json.Marshal(d)
	want := `{"type":"schema.docBook","fields":[` +
		`{"name":"id","type":"string","path":"id"},{"name":"title","type":"string"},{"name":"year","type":"integer"},` +
		`{"name":"price","type":"number"},{"name":"tags","type":"array of string"},` +
		`{"name":"authors","type":"array of schema.docAuthor"},` +
		`{"name":"main","type":"schema.docAuthor","fields":[{"name":"name","type":"string"}]},` +
		`{"name":"meta","type":"object"},{"name":"added","type":"string (RFC 3339 time)"},` +
		`{"name":"next","type":"schema.docBook"},{"name":"Plain","type":"boolean"}]}`
	if string(got) != want {
		t.Fatalf("doc:\n%s\nwant:\n%s", got, want)
	}
	wantTmpl := `{"id":"","title":"","year":0,"price":0,"tags":[],"authors":[],"main":{"name":""},"meta":{},"added":"0001-01-01T00:00:00Z","next":{},"Plain":false}`
	if string(tmpl) != wantTmpl {
		t.Fatalf("template:\n%s\nwant:\n%s", tmpl, wantTmpl)
	}
	var v docBook
	if err := json.Unmarshal(tmpl, &v); err != nil {
		t.Fatalf("the template does not decode into its own type: %v", err)
	}
	if d, tmpl := DescribeType(reflect.TypeFor[string]()); d.Type != "string" || len(d.Fields) != 0 || string(tmpl) != `""` {
		t.Fatalf("string: %+v %s", d, tmpl)
	}
	if d, tmpl := DescribeType(nil); d != nil || tmpl != nil {
		t.Fatal("nil type described")
	}
}
