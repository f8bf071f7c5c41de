package recorder

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// Writes says what a Replayer does with an exchange that is not safe to
// send again (see Safety): one whose request may change the target's
// state, such as a recorded DELETE.
type Writes uint8

const (
	// WritesAllow sends every exchange. It is the zero value: replaying
	// against the service the session was recorded from, or a fresh one a
	// test starts, is what replay is for. Choose WritesRefuse or
	// WritesSkip for a target whose data matters (a shared or live one).
	WritesAllow Writes = iota
	// WritesRefuse sends nothing when any exchange is unsafe: Replay
	// returns an *UnsafeError naming them all, and One reports it as the
	// exchange's Err.
	WritesRefuse
	// WritesSkip sends only the safe exchanges; the others are reported
	// as skipped (Result.Skipped), neither passed nor failed.
	WritesSkip
)

// ErrUnsafe is wrapped by *UnsafeError.
var ErrUnsafe = errors.New("recorder: exchange may have side effects")

// UnsafeError is the refusal of WritesRefuse.
type UnsafeError struct {
	// Exchanges names each unsafe exchange: "#3 DELETE /v1/books/1 (not a
	// GET, HEAD or OPTIONS)".
	Exchanges []string
}

func (e *UnsafeError) Error() string {
	return fmt.Sprintf("recorder: %d exchange(s) may change the target's data and were not sent: %s; "+
		"allow writes to send them, or replay only the safe exchanges",
		len(e.Exchanges), strings.Join(e.Exchanges, ", "))
}

// Unwrap returns ErrUnsafe.
func (e *UnsafeError) Unwrap() error { return ErrUnsafe }

// Safety is whether an exchange can be sent again without side effects,
// and why.
type Safety struct {
	// Safe: the request only reads.
	Safe bool `json:"safe"`
	// Why says what decided: "GET", "NO_SIDE_EFFECTS", "safe pattern
	// bookstore.v1.BookService/*", "POST is not a GET, HEAD or OPTIONS", …
	Why string `json:"why"`
}

// describer is a Target that can resolve a gRPC method's descriptor (the
// gRPC target does, from the process's registry or server reflection).
type describer interface {
	method(ctx context.Context, full string) (protoreflect.MethodDescriptor, error)
}

// checkPatterns reports a malformed safe pattern.
func checkPatterns(pats []string) error {
	for _, p := range pats {
		if _, err := path.Match(p, ""); err != nil {
			return fmt.Errorf("%w: safe pattern %q: %w", ErrReplay, p, err)
		}
	}
	return nil
}

// Classify says whether ex is safe to replay: an HTTP GET, HEAD or
// OPTIONS; a gRPC method whose descriptor says idempotency_level =
// NO_SIDE_EFFECTS (read from the target: the process's protobuf registry
// or the server's reflection service); or an exchange matched by one of
// ReplayOptions.Safe's patterns. Anything else is unsafe, a gRPC method
// whose descriptor cannot be read included, and every Thrift call that
// no pattern names (Thrift has no side-effect marker).
func (rp *Replayer) Classify(ctx context.Context, ex *Exchange) Safety {
	if p, ok := matchSafe(rp.opts.Safe, ex); ok {
		return Safety{Safe: true, Why: "safe pattern " + p}
	}
	switch ex.Transport {
	case TransportHTTP:
		switch m := strings.ToUpper(ex.Request.Method); m {
		case "GET", "HEAD", "OPTIONS":
			return Safety{Safe: true, Why: m}
		default:
			return Safety{Why: m + " is not a GET, HEAD or OPTIONS"}
		}
	case TransportGRPC:
		d, ok := rp.target.(describer)
		if !ok {
			return Safety{Why: "the target cannot describe " + ex.Request.GRPCMethod}
		}
		md, err := d.method(ctx, ex.Request.GRPCMethod)
		if err != nil {
			return Safety{Why: "its descriptor cannot be read: " + err.Error()}
		}
		if o, ok := md.Options().(*descriptorpb.MethodOptions); ok && o.GetIdempotencyLevel() == descriptorpb.MethodOptions_NO_SIDE_EFFECTS {
			return Safety{Safe: true, Why: "NO_SIDE_EFFECTS"}
		}
		return Safety{Why: "not marked idempotency_level = NO_SIDE_EFFECTS"}
	case TransportThrift:
		if ex.Thrift == nil || len(ex.Thrift.RequestTypes) == 0 {
			return Safety{Safe: true, Why: "never sent: recorded without its request's Thrift types"}
		}
		return Safety{Why: "Thrift marks no method read-only (a safe pattern naming it does)"}
	}
	return Safety{Why: "unknown transport " + ex.Transport}
}

// matchSafe returns the first pattern matching ex, as path.Match matches:
// against "METHOD /path" (no query) for HTTP, the full gRPC method with
// and without its leading slash, the Thrift method, and the recorded
// endpoint name.
func matchSafe(pats []string, ex *Exchange) (string, bool) {
	var names []string
	switch {
	case ex.Transport == TransportGRPC:
		names = []string{ex.Request.GRPCMethod, strings.TrimPrefix(ex.Request.GRPCMethod, "/")}
	case ex.Transport == TransportThrift && ex.Thrift != nil:
		names = []string{ex.Thrift.Method}
	case ex.Transport == TransportThrift:
	default:
		p, _, _ := strings.Cut(ex.Request.Path, "?")
		names = []string{strings.ToUpper(ex.Request.Method) + " " + p}
	}
	if ex.Endpoint != "" {
		names = append(names, ex.Endpoint)
	}
	for _, pat := range pats {
		for _, n := range names {
			if ok, _ := path.Match(pat, n); ok {
				return pat, true
			}
		}
	}
	return "", false
}

// method forwards to the gRPC target, so Classify reads descriptors through Targets.
func (t *Targets) method(ctx context.Context, full string) (protoreflect.MethodDescriptor, error) {
	d, ok := t.GRPC.(describer)
	if !ok {
		return nil, fmt.Errorf("%w: no gRPC target that can describe %s", ErrReplay, full)
	}
	return d.method(ctx, full)
}
