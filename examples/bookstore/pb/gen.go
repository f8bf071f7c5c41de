// Package bookpb is the generated Go code of book.proto, the bookstore
// example's Book service (protobuf package bookstore.v1), for the gRPC
// transport and for clients such as `kitbench call`.
//
// The .pb.go files are generated and committed; never edit them. After a
// change to book.proto, run `go generate` in this directory: it runs
// ./internal/protogen, which uses the pinned protoc (Debian's
// protobuf-compiler 3.21.12), protoc-gen-go v1.36.12 and protoc-gen-go-grpc
// v1.6.2 from the repository's .tools/bin (./.ci/deps.sh installs them).
// TestGeneratedCodeIsFresh fails when the committed code is stale.
package bookpb

//go:generate go run ./internal/protogen -out . book.proto
