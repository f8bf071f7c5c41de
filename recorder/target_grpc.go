package recorder

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	rpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// ProtoJSON is how gRPC messages become JSON bodies, in capture and
// replay alike: proto field names (create_time, not createTime), unset
// fields omitted.
var protoJSON = protojson.MarshalOptions{UseProtoNames: true}

type grpcTarget struct {
	cc    grpc.ClientConnInterface
	mu    sync.Mutex
	cache map[string]protoreflect.MethodDescriptor
}

// GRPCTarget replays gRPC exchanges over cc with the recorded full method
// and metadata, the JSON body turned into a dynamic message. A stream
// exchange is replayed as a stream: see Replayer.One.
//
// Message types are looked up first in the process's protobuf registry
// (protoregistry.GlobalFiles: any generated package linked into the
// binary, as in a service's own tests), then, when cc is a
// *grpc.ClientConn, through the server's reflection service
// (grpc.reflection.v1, which kit's RegisterStandardServices installs).
// A method found in neither is an ErrReplay error naming it.
func GRPCTarget(cc grpc.ClientConnInterface) Target {
	return &grpcTarget{cc: cc, cache: make(map[string]protoreflect.MethodDescriptor)}
}

// reservedMD is metadata gRPC sets itself.
func reservedMD(k string) bool {
	return strings.HasPrefix(k, ":") || strings.HasPrefix(k, "grpc-") ||
		k == "content-type" || k == "user-agent" || k == "te"
}

func (t *grpcTarget) Do(ctx context.Context, ex *Exchange) (*Response, error) {
	if ex.Transport != TransportGRPC {
		return nil, fmt.Errorf("%w: %s exchange sent to a gRPC target", ErrReplay, ex.Transport)
	}
	md, err := t.method(ctx, ex.Request.GRPCMethod)
	if err != nil {
		return nil, err
	}
	if ex.Stream != nil || streaming(md) {
		return t.doStream(ctx, ex, md)
	}
	in := dynamicpb.NewMessage(md.Input())
	if b := ex.Request.Body; b != nil {
		if b.JSON == nil {
			return nil, fmt.Errorf("%w: %s: request body is not JSON", ErrReplay, ex.Request.GRPCMethod)
		}
		if err := protojson.Unmarshal(b.JSON, in); err != nil {
			return nil, fmt.Errorf("%w: %s: request body: %w", ErrReplay, ex.Request.GRPCMethod, err)
		}
	}
	ctx = metadata.NewOutgoingContext(ctx, outgoing(ex))
	reply := dynamicpb.NewMessage(md.Output())
	var hdr, trl metadata.MD
	err = t.cc.Invoke(ctx, ex.Request.GRPCMethod, in, reply, grpc.Header(&hdr), grpc.Trailer(&trl))
	resp := &Response{Headers: mdMap(hdr), Trailers: mdMap(trl)}
	if err != nil {
		st, ok := status.FromError(err)
		if !ok {
			return nil, fmt.Errorf("%s: %w", ex.Request.GRPCMethod, err)
		}
		if unreachable(st) {
			return nil, fmt.Errorf("%w: %s", ErrUnreachable, st.Message())
		}
		resp.GRPCCode, resp.GRPCMessage, resp.Reason = int(st.Code()), st.Message(), kitgrpc.ReasonOf(st)
		return resp, nil
	}
	body, err := appendMessageJSON(nil, reply)
	if err != nil {
		return nil, fmt.Errorf("%s: response to JSON: %w", ex.Request.GRPCMethod, err)
	}
	resp.Body = &Body{JSON: body}
	return resp, nil
}

// expected returns ex's recorded response with its JSON body re-encoded as
// Do encodes replies (proto field names, unset fields omitted), so that a
// body recorded in protojson's other forms — lowerCamelCase names, as
// `kitbench call` prints, or zero values written out — compares equal to
// the same message. A body that does not decode as the method's output
// (redacted non-string fields, another message) is compared as recorded.
func (t *grpcTarget) expected(ctx context.Context, ex *Exchange) *Response {
	if ex.Stream != nil {
		return t.expectedStream(ctx, ex)
	}
	want := ex.Response
	b := want.Body
	if ex.Transport != TransportGRPC || b == nil || b.JSON == nil {
		return &want
	}
	md, err := t.method(ctx, ex.Request.GRPCMethod)
	if err != nil {
		return &want
	}
	m := dynamicpb.NewMessage(md.Output())
	if protojson.Unmarshal(b.JSON, m) != nil {
		return &want
	}
	if norm, err := appendMessageJSON(nil, m); err == nil {
		nb := *b
		nb.JSON = norm
		want.Body = &nb
	}
	return &want
}

// expecter is a Target that normalizes what a recorded response should be
// before comparison (the gRPC target does).
type expecter interface {
	expected(ctx context.Context, ex *Exchange) *Response
}

func unreachable(st *status.Status) bool {
	m := st.Message()
	return st.Code() == codes.Unavailable &&
		(strings.Contains(m, "connection refused") || strings.Contains(m, "no such host") || strings.Contains(m, "connection error"))
}

func mdMap(md metadata.MD) map[string][]string {
	if len(md) == 0 {
		return nil
	}
	return map[string][]string(md.Copy())
}

// method resolves "/pkg.Svc/Method".
func (t *grpcTarget) method(ctx context.Context, full string) (protoreflect.MethodDescriptor, error) {
	t.mu.Lock()
	md, ok := t.cache[full]
	t.mu.Unlock()
	if ok {
		return md, nil
	}
	svc, name, ok := strings.Cut(strings.TrimPrefix(full, "/"), "/")
	if !ok || svc == "" || name == "" {
		return nil, fmt.Errorf("%w: %q is not a full gRPC method (/pkg.Service/Method)", ErrReplay, full)
	}
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(svc))
	if err != nil {
		cc, isConn := t.cc.(*grpc.ClientConn)
		if !isConn {
			return nil, fmt.Errorf("%w: service %s is not linked into this binary", ErrReplay, svc)
		}
		if d, err = reflectService(ctx, cc, svc); err != nil {
			return nil, err
		}
	}
	sd, ok := d.(protoreflect.ServiceDescriptor)
	if !ok {
		return nil, fmt.Errorf("%w: %s is not a service", ErrReplay, svc)
	}
	md = sd.Methods().ByName(protoreflect.Name(name))
	if md == nil {
		return nil, fmt.Errorf("%w: service %s has no method %s", ErrReplay, svc, name)
	}
	t.mu.Lock()
	t.cache[full] = md
	t.mu.Unlock()
	return md, nil
}

// reflectService asks the server's reflection service for the file that
// defines svc and its dependencies.
func reflectService(ctx context.Context, cc *grpc.ClientConn, svc string) (protoreflect.Descriptor, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := rpb.NewServerReflectionClient(cc).ServerReflectionInfo(ctx)
	if err == nil {
		err = stream.Send(&rpb.ServerReflectionRequest{
			MessageRequest: &rpb.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: svc}})
	}
	var resp *rpb.ServerReflectionResponse
	if err == nil {
		resp, err = stream.Recv()
	}
	if err != nil {
		if st, ok := status.FromError(err); ok && unreachable(st) {
			return nil, fmt.Errorf("%w: %s", ErrUnreachable, st.Message())
		}
		return nil, fmt.Errorf("%w: service %s is not linked into this binary and reflection failed: %w", ErrReplay, svc, err)
	}
	if e := resp.GetErrorResponse(); e != nil {
		return nil, fmt.Errorf("%w: reflection: %s: %s", ErrReplay, svc, e.GetErrorMessage())
	}
	var fds []*descriptorpb.FileDescriptorProto
	for _, raw := range resp.GetFileDescriptorResponse().GetFileDescriptorProto() {
		fd := new(descriptorpb.FileDescriptorProto)
		if err := proto.Unmarshal(raw, fd); err != nil {
			return nil, fmt.Errorf("%w: reflection: %w", ErrReplay, err)
		}
		fds = append(fds, fd)
	}
	files, err := buildFiles(fds)
	if err != nil {
		return nil, fmt.Errorf("%w: reflection: %w", ErrReplay, err)
	}
	return files.FindDescriptorByName(protoreflect.FullName(svc))
}

// buildFiles links file descriptors in dependency order, taking missing
// dependencies (well-known types) from the global registry.
func buildFiles(fds []*descriptorpb.FileDescriptorProto) (*protoregistry.Files, error) {
	files := new(protoregistry.Files)
	res := chainResolver{files}
	for progress := true; progress && len(fds) > 0; {
		progress = false
		rest := fds[:0]
		var lastErr error
		for _, fd := range fds {
			f, err := protodesc.NewFile(fd, res)
			if err == nil {
				err = files.RegisterFile(f)
			}
			if err != nil {
				lastErr = err
				rest = append(rest, fd)
				continue
			}
			progress = true
		}
		fds = rest
		if !progress && lastErr != nil {
			return nil, lastErr
		}
	}
	return files, nil
}

// chainResolver finds files in the reflected set, then the global one.
type chainResolver struct{ local *protoregistry.Files }

func (c chainResolver) FindFileByPath(p string) (protoreflect.FileDescriptor, error) {
	if f, err := c.local.FindFileByPath(p); err == nil {
		return f, nil
	}
	return protoregistry.GlobalFiles.FindFileByPath(p)
}

func (c chainResolver) FindDescriptorByName(n protoreflect.FullName) (protoreflect.Descriptor, error) {
	if d, err := c.local.FindDescriptorByName(n); err == nil {
		return d, nil
	}
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(n)
	if errors.Is(err, protoregistry.NotFound) {
		return nil, fmt.Errorf("%s: %w", n, err)
	}
	return d, err
}
