package main

import "github.com/kitbench/kitbench/internal/workbench"

// openCallRecorder opens --record's file for appending ("" records
// nothing: a nil Recording). A new file gets a header naming kitbench
// call, an existing session keeps its own; secrets are redacted before
// anything is written.
func openCallRecorder(path string) (*workbench.Recording, error) {
	if path == "" {
		return nil, nil
	}
	r, err := workbench.AppendTo(path, "kitbench call")
	if err != nil {
		return nil, callUsage("--record %s: %w", path, err)
	}
	return r, nil
}
