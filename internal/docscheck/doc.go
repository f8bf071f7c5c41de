// Package docscheck keeps kitbench's prose honest mechanically. Its tests
// read docs/*.md and README.md and fail when the docs drift from the code:
//
//   - every Go identifier written as pkg.Name (or pkg.Type.Member) for a kit
//     package, under the import names the guide uses (kithttp and kitgrpc for
//     kit's transports, the package name for the rest), exists in that
//     package's source;
//   - every relative link points to an existing file, and a #fragment into a
//     Markdown file names one of its headings;
//   - every Go code block that opens with a comment naming a source file
//     ("// examples/bookstore/endpoints.go") quotes that file: each of its
//     lines, apart from elisions marked with "…", is a line of the file;
//   - docs/guide.md has a section for every kit package.
//
// Identifiers are collected with go/parser and go/ast from the package
// directories, so the check needs no network, no build and no type checker.
// A member of a type that embeds a type from another package is not
// checked, since promoted members cannot be resolved from one package's
// syntax alone.
//
// The package has no API of its own; it exists for its tests, which
// `go test ./internal/docscheck` runs.
package docscheck
