// Package recorder records request sessions to *.kitrec files and replays
// them against a live target, comparing what comes back with what was
// recorded. A recorded session is a regression test that needs no mocks:
// record once against a service that behaves, replay in every `go test`.
//
// The file format (JSON Lines: a header line, then one exchange per line)
// is specified in docs/recording-format.md; the Go types here (Header,
// Exchange, Request, Response, Body) are the format.
//
// Secrets never reach disk: a Writer redacts every exchange before it
// writes it, replacing values with the fixed Placeholder. Opting out is
// explicit and per field.
//
// # Redaction
//
// Policy is kitbench's one redaction policy (Redaction documents its
// rules): secret names judged by segment in headers, gRPC metadata,
// query strings, forms and JSON at any depth ("X-Auth", "client_secret",
// "apiKey" are secrets; "author", "keyboard", "page_token" are not), and
// secret values found whatever their name — JWTs in any encoding
// context, Bearer and Basic credentials, URL passwords. Writers, replay
// and `kitbench call -v`/-o json use it; anything else that shows or
// stores exchanges should call DefaultPolicy (or NewPolicy with the
// user's Redaction) rather than keep its own list. Policy.SecretField
// fits an option that takes a func(string) bool, such as a logger's.
// Package recorder/redacttest holds the corpus every one of them is
// tested against.
//
// # Usage
//
// Record, from anywhere that makes or serves calls:
//
//	w, err := recorder.OpenFile("session.kitrec", recorder.Header{Service: "bookstore"}, recorder.WriteOptions{})
//	// handle err
//	defer w.Close()
//	err = w.Append(recorder.Exchange{Transport: recorder.TransportHTTP, ...})
//
// Server side, recorder/capture has an HTTP middleware and gRPC
// interceptors that write to a Writer. Replay:
//
//	s, err := recorder.ReadFile("session.kitrec", recorder.ReadOptions{})
//	targets, err := recorder.Dial("127.0.0.1:8080", "127.0.0.1:9090")
//	rp, err := recorder.NewReplayer(targets, recorder.ReplayOptions{Ignore: []string{"$.create_time"}})
//	report, err := rp.Replay(ctx, s)
//
// In tests, recorder/rectest.Replay runs one subtest per exchange.
//
// # Streams
//
// A streaming gRPC call is one exchange (format 1.1): Exchange.Stream is
// set, and Request.Messages and Response.Messages hold the messages each
// way with their offsets from the call's start. StreamRecorder builds
// such an exchange as messages pass, within StreamLimits; the capture
// interceptors, the recording proxy and `kitbench call --record` use it.
// Replay sends the client messages in order (ReplayOptions.Pace keeps
// their timing) and compares the server's as a sequence, reporting
// differences per message ("$.messages[2].title"); see Replayer.One.
//
// # gRPC messages
//
// A gRPC message is recorded as its protojson form (MessageBody). The
// package renders the common case itself — scalars, enums, bytes, maps,
// repeated and nested messages, Timestamp and Duration — because
// protojson's general encoder costs about four times as much and
// allocates per call, and a service recording every call pays that on
// each; the output is byte for byte what protojson writes (compacted), and
// anything else (other well-known types, extensions, invalid UTF-8) is
// handed to protojson. AppendMessageBody encodes into a caller's buffer.
//
// # Concurrency
//
// A Writer is safe for concurrent use; each Append is one write(2) of one
// whole line. A Batch (Writer.NewBatch) gathers many lines for one
// goroutine and writes them with one write(2): recorder/capture's
// background writer records that way. Readers and Replayers are for one goroutine at a time;
// Replay sends exchanges one after another, in order, because sessions
// are usually stateful (create, then get).
//
// # Failure behaviour
//
// Redaction never fails an exchange: a body it cannot parse as JSON is
// redacted as text, and rules that do not compile are refused when the
// Writer, Replayer or Policy is made (ErrPath, ErrRedaction), never at
// write time. A damaged file loses only its damaged lines: Read returns every
// readable exchange and a *LineError (with the line number) for each
// other line — truncated, not JSON, invalid UTF-8, nested deeper than
// MaxDepth, longer than the line limit (read in bounded memory). Input
// with no line break in 256 MiB (/dev/zero) ends the read with
// ErrLineTooLong, keeping the exchanges before it; ReadFileContext also
// stops when its context ends. A file of
// another major version is refused with ErrVersion. Replay reports a
// target that cannot be reached with ErrUnreachable, an exchange that
// cannot be sent with ErrReplay (a stream whose client messages were not
// all kept among them), and every other mismatch as Diffs. A file of a
// newer minor version is read, with Session.Note saying what it may hold
// that this reader ignores.
//
// Replay sends writes only when told to: with ReplayOptions.Writes set to
// WritesRefuse, a session holding an unsafe exchange (see
// Replayer.Classify: not a GET, HEAD, OPTIONS or NO_SIDE_EFFECTS gRPC
// method) sends nothing and fails with an *UnsafeError (ErrUnsafe) naming
// each; WritesSkip skips them; the zero value, WritesAllow, sends them, as
// a test replaying against its own fresh server wants. A dry run
// (ReplayOptions.DryRun) sends nothing. Every exchange sent gets a fresh
// traceparent; the recorded one is never resent.
package recorder
