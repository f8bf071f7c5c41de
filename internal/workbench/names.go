package workbench

import (
	"bytes"
	"context"
	"encoding/json"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/kitbench/kitbench/probes/invoke"
)

// kitbench's field-naming rule: every JSON answer kitbench prints,
// records or shows names its fields as the service declared them — a
// gRPC answer by its .proto field names (create_time), as kit's HTTP
// transport, recorder's sessions and its capture already do — so one
// service's answer reads the same over either transport, and a body
// copied from one is a request for the other. The wire form of a gRPC
// answer, proto3 JSON's lowerCamelCase (createTime, what grpcurl
// prints), is CallerOptions.WireJSON (--wire-json).

// protoNames rewrites res's gRPC answer with the .proto field names,
// reading the method's descriptor from g. It leaves res as it is when
// the descriptor cannot be read or the body does not parse: a call that
// was answered is not failed for the way it is printed.
func protoNames(ctx context.Context, g *invoke.GRPCClient, res *invoke.Result) {
	if res == nil || res.Transport != invoke.GRPC || len(res.Body) == 0 {
		return
	}
	md, err := g.MethodDescriptor(ctx, res.Method)
	if err != nil {
		return
	}
	types := fileTypes(md.ParentFile())
	msg := dynamicpb.NewMessage(md.Output())
	if err := (protojson.UnmarshalOptions{Resolver: types}).Unmarshal(res.Body, msg); err != nil {
		return
	}
	b, err := protojson.MarshalOptions{UseProtoNames: true, Resolver: types}.Marshal(msg)
	if err != nil {
		return
	}
	var buf bytes.Buffer
	if json.Compact(&buf, b) == nil {
		res.Body = buf.Bytes()
	}
}

// fileTypes are the message and extension types of fd and its imports,
// so that Any fields resolve.
func fileTypes(fd protoreflect.FileDescriptor) *dynamicpb.Types {
	files := new(protoregistry.Files)
	var add func(protoreflect.FileDescriptor)
	add = func(f protoreflect.FileDescriptor) {
		if _, err := files.FindFileByPath(f.Path()); err == nil {
			return
		}
		imps := f.Imports()
		for i := range imps.Len() {
			add(imps.Get(i).FileDescriptor)
		}
		_ = files.RegisterFile(f) // a conflict keeps the first; lookups still work
	}
	add(fd)
	return dynamicpb.NewTypes(files)
}
