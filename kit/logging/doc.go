// Package logging logs endpoint calls with log/slog: one record per call,
// with the endpoint's name, the error if any, the duration, and — at Debug,
// or on failure — the request and the response. It is named logging, not
// log, so that it never shadows the standard package.
//
// Log at the edge of the service, outermost in the chain, so that the
// record shows what the caller sent and got, including rejections by
// breakers, limiters and authentication further in.
//
// # Usage
//
//	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
//	getBook = logging.New(logger, "GetBook", logging.Redact("password", "token"))(getBook)
//	getBook = logging.New(logger, "GetBook", logging.RedactFunc(policy.SecretField))(getBook)
//
// # Which records carry requests and responses
//
// A success is logged at Info by default as one short record (method and
// duration); its request and response are added only when the logger is
// enabled at the bodies level, Debug by default (Bodies changes it). A
// failure is logged at Error with its request, and its response when it has
// one: a failure is what one reads the request for, and failures are few.
// Payload logging is opt-in in go-grpc-middleware's logging interceptors
// too, and for the same reasons: a payload at Info on every call is most of
// a record's cost, fills logs with personal data, and is rarely read.
// OmitBodies leaves payloads out of every record.
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
// name or its JSON name) is replaced by Redacted, at any depth. RedactFunc
// does the same for every name a predicate calls secret, so that one
// policy, shared with whatever else a service writes (kitbench's recorder
// has one: recorder.DefaultPolicy().SecretField, which knows password,
// api_key, client_secret, token and their kin in any spelling), decides
// for the logs too. Values a slog.LogValuer produces are redacted too, by
// the keys of their groups. A type that renders itself (fmt.Stringer and
// the others above, json.RawMessage and []byte included) is trusted not to
// print its secrets. Without either option nothing is redacted, and a
// record costs what it did before they existed.
//
// # Cost
//
// When the logger is disabled at both the success and the failure level,
// a call costs two Logger.Enabled checks: no clock reads, no allocations.
// A record is built directly (no caller program counter, one wall-clock
// read at the end of the call; the duration comes from the monotonic clock
// alone). How a type is rendered is worked out once per type and cached in
// the middleware, so a record with bodies costs one small allocation per
// struct or map logged, plus the handler's own work; a record without
// bodies allocates nothing in the middleware.
//
// # Failure behaviour
//
// Calls that return an error, or a response whose endpoint.Failer reports
// one, are logged at the failure level (slog.LevelError by default; see
// Levels) with the error under KeyErr. Logging never changes what the
// endpoint returns, and a nil logger turns the middleware into a no-op.
package logging
