package http_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/internal/testutil"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
)

type address struct {
	City string `json:"city"`
}

type Audit struct {
	CreatedBy string `json:"created_by"`
}

type shout string

func (s *shout) UnmarshalJSON(b []byte) error {
	if string(b) == `"quiet"` {
		return errors.New("db at 10.0.0.7 refused the value")
	}
	*s = shout(strings.ToUpper(string(b)))
	return nil
}

type person struct {
	Audit
	Name      string            `json:"name"`
	Nick      string            // no tag: matched by the Go name, case-insensitively
	Addresses []address         `json:"addresses"`
	Home      *address          `json:"home"`
	Labels    map[string]string `json:"labels"`
	Extra     any               `json:"extra"`
	Loud      shout             `json:"loud"`
	Skipped   string            `json:"-"`
}

// Unknown fields are named by their path, found by walking the body
// against the type, so the message does not depend on encoding/json's
// wording; everything encoding/json accepts stays accepted.
func TestDecodeJSONRequestNamesUnknownFields(t *testing.T) {
	for _, tc := range []struct {
		body, want string // want "" means accepted
	}{
		{`{"name":"a","nick":"b","NICK":"c","created_by":"d"}`, ""},
		{`{"addresses":[{"city":"x"},{"city":"y"}],"home":{"city":"z"}}`, ""},
		{`{"labels":{"any":"key"},"extra":{"free":{"form":[1,2]}},"loud":"hey"}`, ""},
		{`{"nmae":"typo"}`, `unknown field "nmae"`},
		{`{"Skipped":"x"}`, `unknown field "Skipped"`},
		{`{"home":{"city":"z","zip":"1"}}`, `unknown field "home.zip"`},
		{`{"addresses":[{"city":"x"},{"ctiy":"y"}]}`, `unknown field "addresses.ctiy"`},
		{`{"name":"a","audit":{"created_by":"x"}}`, `unknown field "audit"`},
		// A type's own UnmarshalJSON failure is no unknown field, and its
		// text (which names internals) stays out of the answer.
		{`{"loud":"quiet"}`, `invalid request body`},
	} {
		r := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
		_, err := kithttp.DecodeJSONRequest[person](context.Background(), r)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v, want accepted", tc.body, err)
			}
			continue
		}
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one starting %q", tc.body, err, tc.want)
		}
		if !errors.Is(err, kithttp.ErrBadRequest) {
			t.Errorf("%s: %v does not wrap ErrBadRequest", tc.body, err)
		}
		if strings.Contains(err.Error(), "10.0.0.7") {
			t.Errorf("%s: %q leaks a method's error text", tc.body, err)
		}
	}
}

// The same through a Server, whose body keeps its bytes without an extra
// allocation, over a real connection.
func TestServerNamesUnknownFieldOverTheWire(t *testing.T) {
	testutil.NoLeaks(t)
	base := serve(t, bookServer())
	resp, body := do(t, newClient(t), "POST", base+"/books", `{"title":"Dune","year":1965,"isbn":"x"}`)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `unknown field \"isbn\"`) {
		t.Errorf("%d %s, want 400 naming the unknown field isbn", resp.StatusCode, body)
	}
}
