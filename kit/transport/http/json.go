package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/kitbench/kitbench/kit/transport"
)

// DecodeJSONRequest is a DecodeRequestFunc that decodes the request body,
// one JSON value, into a *T (endpoint.Typed[T, …] accepts it). It is strict,
// and every refusal is a 400 wrapping ErrBadRequest whose message names the
// problem: an empty body, malformed JSON (with the byte offset), a value of
// the wrong type (with the field path), a field T does not have, or data
// after the value. A body over the Server's limit is 413.
func DecodeJSONRequest[T any](_ context.Context, r *http.Request) (any, error) {
	if r == typeProbe {
		return new(T), nil
	}
	v := new(T)
	if err := decodeJSON(r.Body, v, false); err != nil {
		return nil, err
	}
	return v, nil
}

// JSONDecoder returns a DecodeRequestFunc for routes with path parameters:
// it decodes the body as DecodeJSONRequest does, except that an empty body
// is allowed (GET and DELETE routes have none), then sets each field of T
// tagged `path:"name"` from r.PathValue("name") — the {name} wildcards of a
// Go ServeMux pattern. Path fields may be strings, integers, floats or
// booleans; a value that does not parse is a 400. A tagged field of another
// type makes every request fail with a 500 wrapping ErrBadRoute, and so is
// caught by the first test of the route.
//
//go:noinline
func JSONDecoder[T any]() DecodeRequestFunc {
	return decodeJSONPath[T] // a closure named after JSONDecoder: requestTypeOf knows it (never inlined)
}

// decodeJSONPath is JSONDecoder's DecodeRequestFunc.
func decodeJSONPath[T any](_ context.Context, r *http.Request) (any, error) {
	if r == typeProbe {
		return new(T), nil
	}
	plan, err := pathPlanFor(reflect.TypeFor[T]())
	if err != nil {
		return nil, err
	}
	v := new(T)
	if err := decodeJSON(r.Body, v, true); err != nil {
		return nil, err
	}
	if err := plan.fill(reflect.ValueOf(v).Elem(), r); err != nil {
		return nil, err
	}
	return v, nil
}

// EncodeJSONResponse is an EncodeResponseFunc that writes response as JSON
// with Content-Type application/json. A response implementing
// transport.StatusCoder chooses the status (e.g. 201), and one implementing
// transport.Headerer adds headers. The value is encoded completely before
// anything is written, so an unencodable response becomes a clean 500. A
// failed write (the client went away) is not reported: nothing more can be
// sent.
func EncodeJSONResponse(ctx context.Context, w http.ResponseWriter, response any) error {
	st := stateFrom(ctx)
	if st != nil && st.srv == nil {
		st = nil
	}
	code := 0
	if sc, ok := response.(transport.StatusCoder); ok {
		if c := sc.StatusCode(); c >= 200 && c <= 599 {
			code = c
		}
	}
	hr, _ := response.(transport.Headerer)
	if code == 0 && hr == nil {
		// The common case, as cheap as a hand-written handler: json.Encoder
		// marshals the whole value before its single Write, so a value that
		// cannot be encoded still leaves the response untouched.
		setJSONContentType(st, w.Header())
		if err := json.NewEncoder(w).Encode(response); err != nil && isMarshalError(err) {
			return fmt.Errorf("kithttp: encoding %T as JSON: %w", response, err)
		}
		return nil
	}
	// Status and headers go out before the body, and only if it encodes.
	var eb *encodeBuffer
	if st != nil {
		eb = st.srv.getBuffer()
		defer st.srv.putBuffer(eb)
	} else {
		eb = new(encodeBuffer)
		eb.enc = json.NewEncoder(&eb.buf)
	}
	if err := eb.enc.Encode(response); err != nil {
		return fmt.Errorf("kithttp: encoding %T as JSON: %w", response, err)
	}
	h := w.Header()
	if hr != nil {
		for k, vs := range hr.Headers() {
			h[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
		}
	}
	setJSONContentType(st, h)
	if code != 0 {
		w.WriteHeader(code)
	}
	_, _ = w.Write(eb.buf.Bytes())
	return nil
}

// setJSONContentType sets Content-Type: application/json, without an
// allocation when a Server's request state is at hand.
func setJSONContentType(st *requestState, h http.Header) {
	if st != nil {
		h["Content-Type"] = st.hdr[hdrContentType : hdrContentType+1 : hdrContentType+1]
		return
	}
	h.Set("Content-Type", "application/json")
}

// isMarshalError tells an encoding failure (reported, so the Server can
// answer 500) from a failed write (the client went away; nothing more can
// be sent).
func isMarshalError(err error) bool {
	var (
		te *json.UnsupportedTypeError
		ve *json.UnsupportedValueError
		me *json.MarshalerError
	)
	return errors.As(err, &te) || errors.As(err, &ve) || errors.As(err, &me)
}

// EncodeJSONRequest is an EncodeRequestFunc that sends request as a JSON
// body (replayable, so redirects and retries work). A nil request sends no
// body.
func EncodeJSONRequest(_ context.Context, r *http.Request, request any) error {
	if request == nil {
		return nil
	}
	b, err := json.Marshal(request)
	if err != nil {
		return fmt.Errorf("kithttp: encoding %T as JSON: %w", request, err)
	}
	r.Header.Set("Content-Type", "application/json")
	r.ContentLength = int64(len(b))
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	return nil
}

// DecodeJSONResponse is a DecodeResponseFunc that decodes a JSON body into
// a *T. It is lenient where DecodeJSONRequest is strict: unknown fields are
// ignored, so a newer server does not break an older client. An empty body
// (such as a 204) yields a zero *T.
func DecodeJSONResponse[T any](_ context.Context, resp *http.Response) (any, error) {
	v := new(T)
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil && err != io.EOF {
		return nil, fmt.Errorf("kithttp: decoding %s response as JSON: %w", resp.Status, err)
	}
	return v, nil
}

// decodeJSON decodes exactly one JSON value from body into v, mapping every
// failure to an error whose status and message the client can act on.
func decodeJSON(body io.Reader, v any, allowEmpty bool) error {
	if body == nil || body == http.NoBody {
		if allowEmpty {
			return nil
		}
		return badJSON("request body is empty; want a JSON value", nil)
	}
	// Keep the bytes the decoder reads, to name an unknown field (see
	// unknown.go). A Server's body keeps them without an allocation.
	kept := keptBodies.Get().(*bytes.Buffer)
	defer putKeptBody(kept)
	lb, _ := body.(*limitedBody)
	if lb != nil {
		lb.keep = kept
		defer func() { lb.keep = nil }()
	} else {
		body = io.TeeReader(body, kept)
	}
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if err == io.EOF && allowEmpty {
			return nil
		}
		return jsonError(err, dec.InputOffset(), kept.Bytes(), v)
	}
	end := dec.InputOffset()
	if lb != nil && lb.consumed(end) {
		return nil // the value ended the body: no trailing data to look for
	}
	if _, err := dec.Token(); err != io.EOF {
		var sc transport.StatusCoder
		if errors.As(err, &sc) {
			return err
		}
		return badJSON(fmt.Sprintf("unexpected data after the JSON value at byte %d", end), err)
	}
	return nil
}

func badJSON(msg string, cause error) error {
	err := ErrBadRequest
	if cause != nil {
		err = fmt.Errorf("%w: %w", ErrBadRequest, cause)
	}
	return &transport.Error{Status: http.StatusBadRequest, Msg: msg, Err: err}
}

// jsonError maps a failed strict decode of data into v to a client error.
func jsonError(err error, offset int64, data []byte, v any) error {
	var (
		se *json.SyntaxError
		te *json.UnmarshalTypeError
		ie *json.InvalidUnmarshalError
		sc transport.StatusCoder
	)
	switch {
	case errors.As(err, &sc):
		return err // 413 from the body limit
	case errors.As(err, &ie):
		return fmt.Errorf("kithttp: %w", err) // a programming error: 500
	case errors.As(err, &se):
		return badJSON(fmt.Sprintf("malformed JSON at byte %d: %s", se.Offset, strings.TrimPrefix(se.Error(), "json: ")), err)
	case errors.As(err, &te):
		msg := fmt.Sprintf("got JSON %s, want %s (value ends at byte %d)", te.Value, kindName(te.Type), te.Offset)
		if te.Field != "" {
			msg = fmt.Sprintf("field %q: %s", te.Field, msg)
		}
		return badJSON(msg, err)
	case err == io.EOF:
		return badJSON("request body is empty; want a JSON value", err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badJSON("truncated JSON: the body ends inside a value", err)
	}
	if path := unknownField(data, v); path != "" {
		return badJSON(fmt.Sprintf("unknown field %q (before byte %d)", path, offset), err)
	}
	// A read error (timeout, reset) or an UnmarshalJSON method's error:
	// either way the body is unusable, and its text may name internals.
	return badJSON("invalid request body", err)
}

// kindName says what JSON a Go type wants, in JSON's words.
func kindName(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "integer (" + t.String() + ")"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	}
	return t.String()
}
