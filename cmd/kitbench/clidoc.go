package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"
)

// writeCLIReference writes the reference of every command, from the command
// definitions themselves, as Markdown. docs/cli.md is its output, and a test
// fails when that file is stale; `go test ./cmd/kitbench -run
// TestCLIReference -update` rewrites it.
func writeCLIReference(w io.Writer, root *cobra.Command) {
	fmt.Fprintln(w, "# kitbench command reference")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Generated from the command definitions by `go test ./cmd/kitbench -run TestCLIReference -update`;")
	fmt.Fprintln(w, "do not edit by hand. `kitbench COMMAND --help` prints the same text.")
	fmt.Fprintln(w)
	root.InitDefaultCompletionCmd() // cobra adds it only when executing
	var cmds []*cobra.Command
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || (!c.IsAvailableCommand() && c != root) {
			return
		}
		cmds = append(cmds, c)
		subs := c.Commands()
		sort.Slice(subs, func(i, j int) bool { return subs[i].Name() < subs[j].Name() })
		for _, s := range subs {
			walk(s)
		}
	}
	walk(root)
	for _, c := range cmds {
		fmt.Fprintf(w, "- [`%s`](#%s) — %s\n", c.CommandPath(), anchor(c.CommandPath()), c.Short)
	}
	fmt.Fprintln(w)
	for _, c := range cmds {
		fmt.Fprintf(w, "## %s\n\n", c.CommandPath())
		if c.Long != "" {
			fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(c.Long))
		} else if c.Short != "" {
			fmt.Fprintf(w, "%s.\n\n", c.Short)
		}
		fmt.Fprintf(w, "```\n%s\n```\n\n", c.UseLine())
		if c.Example != "" {
			fmt.Fprintf(w, "Examples:\n\n```\n%s\n```\n\n", strings.TrimRight(c.Example, "\n"))
		}
		if f := c.NonInheritedFlags().FlagUsages(); f != "" {
			fmt.Fprintf(w, "Flags:\n\n```\n%s```\n\n", f)
		}
		if f := c.InheritedFlags().FlagUsages(); f != "" {
			fmt.Fprintf(w, "Inherited flags:\n\n```\n%s```\n\n", f)
		}
	}
}

// anchor is the GitHub-style heading anchor of a command path.
func anchor(path string) string {
	return strings.ReplaceAll(strings.ToLower(path), " ", "-")
}
