// Package bookthrift is the generated Go code of book.thrift, the bookstore
// example's Book service over Thrift (binary or compact protocol on a
// framed socket), and the error methods that give its declared exceptions
// their meaning in kit's error vocabulary.
//
// The generated files (book.go, book-consts.go, GoUnusedProtection__.go)
// are committed; never edit them. After a change to book.thrift, run
// `go generate` in this directory: it runs ./internal/thriftgen, which uses
// the pinned compiler, Debian's thrift-compiler 0.17.0 (./.ci/deps.sh
// installs it), matching the github.com/apache/thrift v0.17.0 library that
// go.mod requires. TestGeneratedCodeIsFresh fails when the committed code is
// stale or the two versions differ.
package bookthrift

//go:generate go run ./internal/thriftgen -out . book.thrift
