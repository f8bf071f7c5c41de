package recorder

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// describedTarget describes the methods of a service built from a
// descriptor in the test (book.proto marks no method NO_SIDE_EFFECTS, and
// Classify reads only the descriptor); it sends nothing.
type describedTarget struct {
	sd protoreflect.ServiceDescriptor
}

func (describedTarget) Do(context.Context, *Exchange) (*Response, error) {
	return nil, fmt.Errorf("%w: not for sending", ErrReplay)
}

func (d describedTarget) method(_ context.Context, full string) (protoreflect.MethodDescriptor, error) {
	name := full[strings.LastIndex(full, "/")+1:]
	if md := d.sd.Methods().ByName(protoreflect.Name(name)); md != nil {
		return md, nil
	}
	return nil, fmt.Errorf("%w: no method %s", ErrReplay, full)
}

func shelfService(t *testing.T) protoreflect.ServiceDescriptor {
	t.Helper()
	msg := &descriptorpb.DescriptorProto{Name: proto.String("M")}
	level := func(l descriptorpb.MethodOptions_IdempotencyLevel) *descriptorpb.MethodOptions {
		return &descriptorpb.MethodOptions{IdempotencyLevel: l.Enum()}
	}
	m := func(name string, o *descriptorpb.MethodOptions) *descriptorpb.MethodDescriptorProto {
		return &descriptorpb.MethodDescriptorProto{Name: proto.String(name), InputType: proto.String(".shelf.M"), OutputType: proto.String(".shelf.M"), Options: o}
	}
	fd, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name: proto.String("shelf.proto"), Package: proto.String("shelf"), Syntax: proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{msg},
		Service: []*descriptorpb.ServiceDescriptorProto{{Name: proto.String("Shelf"), Method: []*descriptorpb.MethodDescriptorProto{
			m("Get", level(descriptorpb.MethodOptions_NO_SIDE_EFFECTS)),
			m("Put", level(descriptorpb.MethodOptions_IDEMPOTENT)),
			m("Add", nil),
		}}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return fd.Services().Get(0)
}

func TestClassify(t *testing.T) {
	target := &Targets{GRPC: describedTarget{shelfService(t)}}
	rp, err := NewReplayer(target, ReplayOptions{Safe: []string{"POST /v1/books:search", "shelf.Shelf/Add"}})
	if err != nil {
		t.Fatal(err)
	}
	h := func(m, p string) *Exchange {
		return &Exchange{Transport: TransportHTTP, Request: Request{Method: m, Path: p}}
	}
	g := func(m string) *Exchange { return &Exchange{Transport: TransportGRPC, Request: Request{GRPCMethod: m}} }
	for _, tc := range []struct {
		ex   *Exchange
		safe bool
		why  string
	}{
		{h("GET", "/v1/books"), true, "GET"},
		{h("head", "/v1/books"), true, "HEAD"},
		{h("OPTIONS", "/"), true, "OPTIONS"},
		{h("DELETE", "/v1/books/1"), false, "DELETE is not"},
		{h("PUT", "/v1/books/1"), false, "PUT is not"},
		{h("POST", "/v1/books:search?q=x"), true, "safe pattern POST /v1/books:search"},
		{h("POST", "/v1/books"), false, "POST is not"},
		{g("/shelf.Shelf/Get"), true, "NO_SIDE_EFFECTS"},
		{g("/shelf.Shelf/Put"), false, "not marked"},
		{g("/shelf.Shelf/Add"), true, "safe pattern shelf.Shelf/Add"},
		{g("/shelf.Shelf/Gone"), false, "descriptor cannot be read"},
	} {
		s := rp.Classify(context.Background(), tc.ex)
		if s.Safe != tc.safe || !strings.Contains(s.Why, tc.why) {
			t.Errorf("%s: %+v, want safe %v because %q", tc.ex.Name(), s, tc.safe, tc.why)
		}
	}
	if _, err := NewReplayer(target, ReplayOptions{Safe: []string{"[bad"}}); err == nil {
		t.Error("a malformed safe pattern was accepted")
	}
	// A target that cannot describe methods makes every gRPC call unsafe.
	rp, _ = NewReplayer(HandlerTarget(nil), ReplayOptions{})
	if s := rp.Classify(context.Background(), g("/shelf.Shelf/Get")); s.Safe {
		t.Errorf("undescribed gRPC method classified safe: %+v", s)
	}
}
