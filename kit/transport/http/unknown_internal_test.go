package http

import (
	"errors"
	"strings"
	"testing"
)

// jsonError tells an unknown field by decoding again, not by the error's
// text: a strict-decode error worded in any way is still recognised, and
// one that a lenient decode reproduces is not taken for an unknown field.
func TestJSONErrorDoesNotReadErrorText(t *testing.T) {
	type book struct {
		Title string `json:"title"`
	}
	data := []byte(`{"title":"Dune","isbn":"x"}`)
	err := jsonError(errors.New("some wording a future encoding/json may use"), int64(len(data)), data, new(book))
	if err == nil || !strings.HasPrefix(err.Error(), `unknown field "isbn"`) {
		t.Errorf("got %v, want the unknown field named from the body", err)
	}

	ok := []byte(`{"title":"Dune"}`)
	err = jsonError(errors.New(`json: unknown field "title"`), int64(len(ok)), ok, new(book))
	if err == nil || err.Error() != "invalid request body" {
		t.Errorf("got %v: want \"invalid request body\" for a body with no unknown field, whatever the error's text", err)
	}
}
