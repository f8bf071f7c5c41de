package main

import "github.com/kitbench/kitbench/probes/invoke"

// callRecorder receives every exchange kitbench call makes when --record
// FILE is given. An invoke.Result carries what a session file needs:
// transport, target, method, request and response headers (and trailers),
// both bodies, status, start time, duration and trace id.
type callRecorder interface {
	Record(service, instance string, res *invoke.Result) error
	Close() error
}

// openCallRecorder opens --record's file; "" records nothing.
//
// This is the hook for the recorder package: until it is wired here (an
// adapter from invoke.Result to a recorder exchange, appended through the
// recorder's writer), --record is refused before any call is made, rather
// than silently recording nothing.
func openCallRecorder(path string) (callRecorder, error) {
	if path == "" {
		return nopRecorder{}, nil
	}
	return nil, callUsage("--record %s: recording is not available in this build of kitbench call yet", path)
}

type nopRecorder struct{}

func (nopRecorder) Record(string, string, *invoke.Result) error { return nil }
func (nopRecorder) Close() error                                { return nil }
