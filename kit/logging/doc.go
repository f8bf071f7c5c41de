// Package logging logs endpoint calls with log/slog: one record per call,
// with the endpoint's name, the request, the response or error, and the
// duration. It is named logging, not log, so that it never shadows the
// standard package.
//
// Log at the edge of the service, outermost in the chain, so that the
// record shows what the caller sent and got, including rejections by
// breakers, limiters and authentication further in.
//
// # Usage
//
//	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
//	getBook = logging.New(logger, "GetBook", logging.Redact("password", "token"))(getBook)
//
// # How requests and responses are logged
//
// Requests and responses are rendered as slog groups, so that text and JSON
// handlers alike show their fields (request.user=ann, or
// {"request":{"user":"ann"}}) without formatting them through fmt: structs
// become groups keyed by their JSON field names (fields tagged json:"-" and
// unexported fields are left out and omitempty is honoured, as
// encoding/json does), maps become groups keyed by their keys (sorted), and
// slices or arrays of structs or maps become groups keyed by index. Values
// that choose their own representation (they implement json.Marshaler,
// encoding.TextMarshaler, fmt.Stringer or error, such as time.Time),
// scalars, and slices of scalars go to the handler as they are. The walk
// stops at depth 8 (tooDeep marks where) and after 50 elements of a slice or
// map ("more" counts the rest). OmitBodies leaves both out.
//
// # Redaction
//
// Redact names fields whose values never reach the handler: a struct field
// or map entry whose name matches (ignoring case; a field matches by its Go
// name or its JSON name) is replaced by Redacted, at any depth. Values a
// slog.LogValuer produces are redacted too, by the keys of their groups. A
// type that renders itself (fmt.Stringer and the others above) is trusted
// not to print its secrets.
//
// # Cost
//
// When the logger is disabled at both the success and the failure level,
// a call costs two Logger.Enabled checks: no clock reads, no allocations.
// Records are built with slog.LogAttrs; how a type is rendered is worked out
// once per type and cached in the middleware, so a record costs one small
// allocation per struct or map logged, plus the handler's own work.
//
// # Failure behaviour
//
// Calls that return an error, or a response whose endpoint.Failer reports
// one, are logged at the failure level (slog.LevelError by default; see
// Levels) with the error under KeyErr. Logging never changes what the
// endpoint returns, and a nil logger turns the middleware into a no-op.
package logging
