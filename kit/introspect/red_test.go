package introspect

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

type fixedRED []REDEndpoint

func (f fixedRED) RED() []REDEndpoint { return slices.Clone(f) }

func redFixture() fixedRED {
	return fixedRED{
		{Endpoint: "ListBooks", Transport: "http", Codes: map[string]uint64{"ok": 7},
			Bounds: []float64{0.001, 0.01}, Counts: []uint64{5, 7, 7}, SumSeconds: 0.012},
		{Endpoint: "GetBook", Transport: "grpc", Codes: map[string]uint64{"ok": 10, "404": 2, "503": 1},
			Bounds: []float64{0.001, 0.01}, Counts: []uint64{4, 12, 13}, SumSeconds: 0.05},
	}
}

// TestREDResource pins /red's wire format (testdata/red.json, sorted by
// endpoint), and checks that /info lists it only when it is served.
func TestREDResource(t *testing.T) {
	srv := serve(t, fixedRegistry(), WithRED(redFixture()))
	status, _, body := get(t, srv, "GET", PathPrefix+"/red", "")
	if status != http.StatusOK {
		t.Fatalf("GET /red: %d %s", status, body)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, body, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	file := filepath.Join("testdata", "red.json")
	if *update {
		if err := os.WriteFile(file, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	golden, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.TrimSpace(pretty.Bytes()), bytes.TrimSpace(golden)) {
		t.Errorf("wire format of /red changed:\n--- got\n%s\n--- golden\n%s", pretty.Bytes(), golden)
	}
	var page RED
	dec := json.NewDecoder(bytes.NewReader(golden))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&page); err != nil {
		t.Fatal(err)
	}
	want := redFixture()
	want[0], want[1] = want[1], want[0]
	if !reflect.DeepEqual(page.Endpoints, []REDEndpoint(want)) {
		t.Errorf("decoded /red = %+v, want %+v", page.Endpoints, want)
	}

	_, _, body = get(t, srv, "GET", PathPrefix+"/info", "")
	if info := decode[Info](t, body); !slices.Equal(info.Resources, []string{ResourceRED}) {
		t.Errorf("/info resources = %q with RED served, want [red]", info.Resources)
	}
	plain := serve(t, fixedRegistry())
	if status, _, _ := get(t, plain, "GET", PathPrefix+"/red", ""); status != http.StatusNotFound {
		t.Errorf("GET /red without WithRED: %d, want 404", status)
	}
	_, _, body = get(t, plain, "GET", PathPrefix+"/info", "")
	if info := decode[Info](t, body); info.Resources != nil {
		t.Errorf("/info resources = %q without RED, want none", info.Resources)
	}
}
