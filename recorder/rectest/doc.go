// Package rectest replays recorded sessions in `go test`: one subtest per
// exchange, differences reported through t.Errorf with the exchange, the
// JSON path and the expected and actual values. It is a separate package
// so that importing recorder (or recorder/capture) into a service does
// not import package testing.
//
// # Usage
//
//	func TestReplay(t *testing.T) {
//		srv := httptest.NewServer(myHandler)
//		defer srv.Close()
//		rectest.Replay(t, "testdata/books.kitrec", recorder.HTTPTarget(srv.URL, nil),
//			rectest.Ignore("$.create_time"))
//	}
//
// Replay sends every exchange, writes included (recorder.WritesAllow),
// with a fresh traceparent each: a test replays against a server it has
// just started for itself, whose data nobody else relies on, and a
// recorded DELETE or CreateBook is part of what the test checks. Replaying
// against a shared or live service is the CLI's business, which refuses
// or skips unsafe exchanges there.
//
// A stream exchange (kitrec 1.1) is one subtest too: the recorded client
// messages are sent in order (with their pacing under Pace), the server's
// messages compared as a sequence, and a difference names the message,
// "$.messages[2].title: want …, got …". A watch recorded up to a bound
// and cancelled is read up to as many messages as were recorded, then
// cancelled.
//
// A Thrift exchange (kitrec 1.2, kept by an exchange ring) is one
// subtest too, replayed to a recorder.ThriftTarget in its recorded
// protocol, its reply compared field by field:
//
//	rectest.Replay(t, "testdata/incident.kitrec", recorder.ThriftTarget(inst.ThriftAddr))
//
// One recorded before rings kept the request's Thrift types cannot be
// sent again; its subtest is skipped, saying why.
//
// Run with -kitrec.update (or KITBENCH_UPDATE=1) to update the session,
// as go test -update updates golden files: the same requests are sent,
// what comes back becomes the expected responses, and the responses they
// replace stay in the file as each exchange's history. Point the test at
// a healthy target when you do:
//
//	go test ./... -run TestReplay -kitrec.update
//
// The flag has a prefixed name so that it cannot clash with a package's
// own -update flag (defining a flag twice panics).
//
// # Failure behaviour
//
// An unreadable file, a damaged line and a bad ignore rule fail the test;
// so does an exchange that cannot be replayed. When re-recording, a file
// is replaced only if every exchange got a response.
package rectest
