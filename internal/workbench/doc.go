// Package workbench is what kitbench's command line and its dashboard both
// do with a fleet: choose the instances to call and call the first one
// that answers, record the call to a session file, keep the history of the
// calls made, list, open and replay the project's sessions, run a
// recording proxy, and sum an endpoint's statistics over its instances;
// and what the command line decides around that: the exit status an
// error or an answer means (ExitError, Classify), what -o json and the
// text tables show (Redacted, Envelope, Listing, the Write functions),
// which registry the environment names (Where, EtcdFromEnv), the dev
// registry it serves (ServeRegistry), and how a grpcurl command line reads
// in kitbench's spelling (TranslateGrpcurl, Symbols for grpcurl's list
// and describe).
//
// # One field-naming rule
//
// A gRPC answer a Caller returns carries the .proto's field names
// (create_time), as HTTP answers and session files do; CallerOptions.
// WireJSON keeps proto3 JSON's lowerCamelCase (see names.go).
//
// cmd/kitbench parses flags, calls this package and writes what it
// returns; the dashboard's adapters turn its values into the ui packages'
// types field for field. Every decision lives here, so it is tested here.
//
// # One converter
//
// Exchange is the only conversion from a call's invoke.Result to a
// recorder.Exchange. `kitbench call --record` and the dashboard's
// recording both write through a Recording, so the same call gives the
// same line in either file.
//
// A streaming call is one stream exchange (recording format 1.1): a
// Caller with CallerOptions.Record keeps its messages each way as they
// pass (bounded by recorder's StreamLimits), with their times, and
// Exchange writes them with the call's headers, trailers and status;
// the Recording's writer redacts every message with recorder's one
// Policy. A stream the caller ended (--max-messages, --max-time, ctrl+c,
// LiveStream.Cancel) is marked cancelled, as replay needs.
//
// # Streams
//
// Caller.Call makes a streaming call as invoke does, to its end, with the
// request's StreamOptions (`kitbench call`: JSONValues and InputValues
// give -d's messages, StreamWriter prints the answers as they arrive).
// Caller.Start opens one that someone drives message by message
// (LiveStream, the dashboard's call view); Caller.Close cancels those
// still open. --all's comparison refuses streams.
//
// # Layering
//
// workbench may import kit/, probes/ and recorder/; it never imports ui/
// or cmd/ (internal/deptest checks this). It does I/O: the network and
// the project's .kitbench directory.
//
// # Replaying writes
//
// Replay classifies each exchange with recorder's Replayer.Classify.
// With ReplayOptions.Writes at its zero value, a session replayed where
// it was recorded is sent whole; when any exchange would go to another
// target and some exchange may change data, nothing is sent, each such
// exchange is reported refused and Verdict says so (exit 1), naming the
// flags that send them. Sessions.Replay, the dashboard's, refuses them
// wherever they go, so that the view asks first. Thrift marks no method
// read-only, so every Thrift call counts as a write unless a safe
// pattern names its method.
//
// # Failure behaviour
//
// A Caller moves on to the next candidate when one cannot be reached
// (invoke.ErrUnreachable), and reports every failure when none can; any
// other error (a bad request body, an unknown method) is returned at
// once, since the next instance would refuse it too. Errors that mean
// there is nothing to call wrap ErrNoCandidates. A damaged history entry
// is skipped; a damaged session file gives its readable exchanges and the
// unreadable lines. Nothing here panics or keeps a goroutine after the
// call that started it returns (Caller.Close ends kept connections).
package workbench
