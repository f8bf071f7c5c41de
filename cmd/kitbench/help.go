package main

import (
	"embed"
	"strings"
)

// helpFiles holds each command's long help, help/NAME.txt, and its
// examples, help/NAME.examples.txt (NAME is the command's name; the root's
// is kitbench). docs/cli.md is generated from them through the command
// definitions (clidoc.go).
//
//go:embed help
var helpFiles embed.FS

// help returns help/name.txt without its final newline; a missing file
// gives "", which TestCLIReference reports as a changed docs/cli.md.
func help(name string) string {
	b, _ := helpFiles.ReadFile("help/" + name + ".txt")
	return strings.TrimSuffix(string(b), "\n")
}
