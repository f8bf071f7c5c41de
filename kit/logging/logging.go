package logging

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/internal/monotime"
)

// Keys of the attributes of a call record, and its message.
const (
	Message     = "call"
	KeyMethod   = "method"   // the endpoint's name
	KeyRequest  = "request"  // the request, redacted
	KeyResponse = "response" // the response, redacted; left out when the call returned an error
	KeyErr      = "err"      // the error, or a Failer's business error; left out on success
	KeyTook     = "took"     // the call's duration
)

// Option configures New.
type Option func(*config)

type config struct {
	ok, fail   slog.Level
	bodies     slog.Level
	redact     []string
	secret     func(name string) bool // nil: no predicate
	omitBodies bool
	render     *renderer
}

// Levels sets the level of the records of calls that succeed and of calls
// that fail. The defaults are slog.LevelInfo and slog.LevelError.
func Levels(success, failure slog.Level) Option {
	return func(c *config) { c.ok, c.fail = success, failure }
}

// Redact replaces the value of every struct field or map entry with one of
// the given names by Redacted, at any depth of the request and the
// response. Names match case-insensitively, against a field's Go name and
// its JSON name. Without Redact or RedactFunc (the default) nothing is
// redacted and
// requests and responses are handed to the slog.Handler as they are.
// Several Redact options add up.
func Redact(names ...string) Option {
	return func(c *config) { c.redact = append(c.redact, names...) }
}

// RedactFunc replaces the value of every struct field or map entry whose
// name secret reports as secret by Redacted, at any depth of the request
// and the response, as Redact does for a list of names. secret is asked
// with a field's JSON name and with its Go name (a field is redacted when
// either is secret; the answer is cached per type), with map keys, and
// with the keys of groups a slog.LogValuer produces; it must be safe for
// concurrent use and should be cheap, since map keys are asked on every
// record that logs them. It is how a service applies one redaction policy
// everywhere it writes payloads: kitbench's examples pass
// recorder.DefaultPolicy().SecretField, the policy their recordings use.
// A nil secret (the default) redacts nothing; several RedactFunc options
// add up, and add to Redact's names.
func RedactFunc(secret func(name string) bool) Option {
	return func(c *config) {
		if secret == nil {
			return
		}
		if prev := c.secret; prev != nil {
			c.secret = func(name string) bool { return prev(name) || secret(name) }
			return
		}
		c.secret = secret
	}
}

// Bodies sets the level at which the request and the response are added to
// the record of a call that succeeds: they are logged when the logger is
// enabled at level. The default is slog.LevelDebug, so that a service
// logging at Info writes one short line per call (method and duration) and
// no payloads; Bodies(slog.LevelInfo) logs them with every call. The record
// of a failed call carries the request whatever this level (see New).
func Bodies(level slog.Level) Option {
	return func(c *config) { c.bodies = level }
}

// OmitBodies leaves the request and the response out of every record,
// failures included, which then carry only the method, the error and the
// duration: records from which no payload can leak.
func OmitBodies() Option {
	return func(c *config) { c.omitBodies = true }
}

// New returns a middleware that logs every call of the endpoint it wraps
// to logger, as one record with message Message and the attributes
// KeyMethod (method), KeyErr on failure, and KeyTook.
//
// A call that returns an error, or a response implementing endpoint.Failer
// whose Failed method returns one, is logged at the failure level with
// KeyRequest (and KeyResponse when there is one): a failure is what one
// reads the request for, and failures are few. Other calls are logged at
// the success level (see Levels), with KeyRequest and KeyResponse only when
// the logger is enabled at the bodies level (see Bodies; Debug by default).
// OmitBodies leaves payloads out of every record.
//
// When logger is not enabled at either level the middleware costs two
// Enabled checks and nothing else: no clock reads, no allocations. A nil
// logger disables logging.
func New(logger *slog.Logger, method string, opts ...Option) endpoint.Middleware {
	cfg := config{ok: slog.LevelInfo, fail: slog.LevelError, bodies: slog.LevelDebug}
	for _, o := range opts {
		o(&cfg)
	}
	cfg.render = &renderer{names: make(map[string]struct{}, len(cfg.redact)), secret: cfg.secret}
	for _, n := range cfg.redact {
		cfg.render.names[strings.ToLower(n)] = struct{}{}
	}
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		if logger == nil {
			return next
		}
		// The method is bound to the handler once: handlers format the
		// attributes of WithAttrs ahead of time, so a record pays only for
		// what changes from call to call.
		h := logger.Handler().WithAttrs([]slog.Attr{slog.String(KeyMethod, method)})
		return func(ctx context.Context, req any) (any, error) {
			okOn := h.Enabled(ctx, cfg.ok)
			if !okOn && !h.Enabled(ctx, cfg.fail) {
				return next(ctx, req)
			}
			start := monotime.Now()
			resp, err := next(ctx, req)
			end := time.Now()
			failure := err
			if failure == nil {
				if f, ok := resp.(endpoint.Failer); ok {
					failure = f.Failed()
				}
			}
			level := cfg.ok
			if failure != nil {
				level = cfg.fail
				if !h.Enabled(ctx, level) {
					return resp, err
				}
			} else if !okOn {
				return resp, err
			}
			// The record is built here rather than with Logger.LogAttrs,
			// which captures the caller's program counter for every record
			// (a stack walk) and reads the clock again; the end of the call
			// is the record's time, and the source is left out.
			r := slog.NewRecord(end, level, Message, 0)
			if !cfg.omitBodies && (failure != nil || h.Enabled(ctx, cfg.bodies)) {
				r.AddAttrs(cfg.attr(KeyRequest, req))
				if err == nil {
					r.AddAttrs(cfg.attr(KeyResponse, resp))
				}
			}
			if failure != nil {
				r.AddAttrs(slog.Any(KeyErr, failure))
			}
			r.AddAttrs(slog.Duration(KeyTook, monotime.Of(end)-start))
			_ = h.Handle(ctx, r)
			return resp, err
		}
	}
}

// attr makes the attribute for a request or response.
func (c *config) attr(key string, v any) slog.Attr { return c.render.attr(key, v) }
