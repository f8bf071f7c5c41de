package invoke

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/fullstorydev/grpcurl"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// GRPCOptions configure a GRPCClient. The zero value dials in plaintext
// and reads descriptors through server reflection.
type GRPCOptions struct {
	// TLS chooses transport security; the zero value is plaintext.
	TLS TLS
	// ProtoFiles are .proto sources to read descriptors from instead of
	// server reflection, found in ImportPaths (empty means the files'
	// own directories). Well-known imports (google/protobuf/*.proto) are
	// built in.
	ProtoFiles  []string
	ImportPaths []string
	// Protosets are files holding a serialized FileDescriptorSet
	// (protoc --descriptor_set_out --include_imports), used instead of
	// server reflection. They may be combined with ProtoFiles.
	Protosets []string
}

// GRPCClient calls one gRPC server with JSON in and out. It is safe for
// concurrent use; Close it when done.
type GRPCClient struct {
	addr    string
	tls     TLS
	sources []string // descriptor source, as grpcurl flags
	conn    *grpc.ClientConn
	files   grpcurl.DescriptorSource // nil with server reflection
	refl    *reflection              // nil with file sources

	mu      sync.Mutex
	methods map[string]*method // by the name asked for
}

// DialGRPC connects to the gRPC server at addr (host:port) and waits until
// the connection is ready or ctx ends. A server that cannot be reached is
// an error wrapping ErrUnreachable with the cause; unreadable .proto or
// protoset files are reported before any connection is made.
func DialGRPC(ctx context.Context, addr string, opts GRPCOptions) (*GRPCClient, error) {
	g := &GRPCClient{addr: addr, tls: opts.TLS, methods: map[string]*method{}}
	if len(opts.ProtoFiles) > 0 || len(opts.Protosets) > 0 {
		src, err := fileSource(opts)
		if err != nil {
			return nil, err
		}
		g.files = src
		for _, p := range opts.ImportPaths {
			g.sources = append(g.sources, "-import-path", p)
		}
		for _, f := range opts.ProtoFiles {
			g.sources = append(g.sources, "-proto", f)
		}
		for _, f := range opts.Protosets {
			g.sources = append(g.sources, "-protoset", f)
		}
	}
	tlsCfg, err := opts.TLS.Config()
	if err != nil {
		return nil, err
	}
	if g.conn, err = dial(ctx, addr, tlsCfg); err != nil {
		return nil, err
	}
	if g.files == nil {
		g.refl = newReflection(g.conn, addr)
	}
	return g, nil
}

// descriptors runs f with the client's descriptor source: the files, or
// the server's reflection bounded by ctx (see reflection.lookup).
func (g *GRPCClient) descriptors(ctx context.Context, f func(grpcurl.DescriptorSource) error) error {
	if g.refl == nil {
		return f(g.files)
	}
	return g.refl.lookup(ctx, f)
}

func fileSource(opts GRPCOptions) (grpcurl.DescriptorSource, error) {
	var sets []grpcurl.DescriptorSource
	if len(opts.Protosets) > 0 {
		s, err := grpcurl.DescriptorSourceFromProtoSets(opts.Protosets...)
		if err != nil {
			return nil, fmt.Errorf("protoset: %w", err)
		}
		sets = append(sets, s)
	}
	if len(opts.ProtoFiles) > 0 {
		s, err := grpcurl.DescriptorSourceFromProtoFiles(opts.ImportPaths, opts.ProtoFiles...)
		if err != nil {
			return nil, fmt.Errorf(".proto files: %w", err)
		}
		sets = append(sets, s)
	}
	if len(sets) == 1 {
		return sets[0], nil
	}
	return multiSource(sets), nil
}

// dial connects and waits for readiness, keeping the cause of a failure
// (grpc-go reports only a state), so "connection refused" or a TLS error
// reaches the user.
func dial(ctx context.Context, addr string, tlsCfg *tls.Config) (*grpc.ClientConn, error) {
	var (
		mu    sync.Mutex
		cause error
	)
	record := func(err error) {
		mu.Lock()
		cause = err
		mu.Unlock()
	}
	var creds credentials.TransportCredentials = insecure.NewCredentials()
	if tlsCfg != nil {
		creds = recordingCreds{credentials.NewTLS(tlsCfg), record}
	}
	conn, err := grpc.NewClient("passthrough:///"+addr,
		grpc.WithTransportCredentials(creds),
		grpc.WithUserAgent("kitbench"),
		grpc.WithContextDialer(func(ctx context.Context, a string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, "tcp", a)
			if err != nil {
				record(err)
			}
			return c, err
		}))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrUnreachable, addr, err)
	}
	conn.Connect()
	for {
		s := conn.GetState()
		switch s {
		case connectivity.Ready:
			return conn, nil
		case connectivity.TransientFailure, connectivity.Shutdown:
			_ = conn.Close()
			mu.Lock()
			defer mu.Unlock()
			if cause == nil {
				cause = errors.New("connection failed (is it a gRPC server? with TLS, try --tls or --plaintext)")
			}
			return nil, fmt.Errorf("%w: %s: %w", ErrUnreachable, addr, cause)
		}
		if !conn.WaitForStateChange(ctx, s) {
			_ = conn.Close()
			return nil, fmt.Errorf("%w: %s: no connection: %w", ErrUnreachable, addr, ctx.Err())
		}
	}
}

// recordingCreds keeps the error of a failed TLS handshake.
type recordingCreds struct {
	credentials.TransportCredentials
	record func(error)
}

func (c recordingCreds) ClientHandshake(ctx context.Context, authority string, conn net.Conn) (net.Conn, credentials.AuthInfo, error) {
	nc, info, err := c.TransportCredentials.ClientHandshake(ctx, authority, conn)
	if err != nil {
		c.record(fmt.Errorf("TLS handshake: %w", err))
	}
	return nc, info, err
}

// Target returns the address the client calls.
func (g *GRPCClient) Target() string { return g.addr }

// Close ends the reflection stream and the connection. A lookup in
// progress returns with an error.
func (g *GRPCClient) Close() error {
	if g.refl != nil {
		g.refl.close()
	}
	return g.conn.Close()
}

// Invoke calls a method with req.Body as its JSON request: a unary one,
// or a streaming one as req.Stream says (see StreamOptions). See Invoker.
func (g *GRPCClient) Invoke(ctx context.Context, req Request) (*Result, error) {
	parent := ctx
	ctx, cancel := withTimeout(ctx, req.Timeout)
	defer cancel()
	m, err := g.resolve(ctx, req.Method)
	if err != nil {
		return nil, err
	}
	if m.kind() != Unary {
		sctx, scancel := withTimeout(parent, req.Stream.Timeout)
		defer scancel()
		return g.stream(sctx, m, req)
	}
	body, err := req.Stream.only(ctx, req.Body, m.full, Unary)
	if err != nil {
		return nil, err
	}
	in, err := m.parse(body)
	if err != nil {
		return nil, err
	}
	md, sent, traceID, err := outgoing(req.Header)
	if err != nil {
		return nil, err
	}
	res := &Result{Transport: GRPC, Target: g.addr, Method: m.full, TraceID: traceID, RequestHeader: sent}
	res.RequestBody, _ = compact(body)
	ctx = metadata.NewOutgoingContext(ctx, md)
	out := dynamicpb.NewMessage(m.desc.Output())
	var hdr, trl metadata.MD
	res.Start = time.Now()
	err = g.conn.Invoke(ctx, m.full, in, out, grpc.Header(&hdr), grpc.Trailer(&trl))
	res.Duration = time.Since(res.Start)
	st := status.Convert(err)
	res.Code, res.Status, res.Message = int(st.Code()), codeName(st.Code()), st.Message()
	res.Reason = grpcReason(st)
	res.Header, res.Trailer = hdr, trl
	if st.Code() == codes.OK {
		b, err := protojson.MarshalOptions{Resolver: m.types}.Marshal(out)
		if err != nil {
			return res, fmt.Errorf("formatting the response of %s as JSON: %w", m.full, err)
		}
		res.Body, _ = compact(b)
	}
	return res, nil
}

// outgoing builds request metadata from h plus a new traceparent; keys
// ending in "-bin" carry base64 (as in grpcurl), sent as raw bytes.
func outgoing(h map[string][]string) (md metadata.MD, sent map[string][]string, traceID string, err error) {
	md = metadata.MD{}
	for k, vs := range h {
		k = strings.ToLower(k)
		for _, v := range vs {
			if strings.HasSuffix(k, "-bin") {
				b, err := base64.StdEncoding.DecodeString(v)
				if err != nil {
					return nil, nil, "", fmt.Errorf("%w %q: a -bin value must be base64: %w", ErrBadHeader, k, err)
				}
				v = string(b)
			}
			md[k] = append(md[k], v)
		}
	}
	tp, traceID := Traceparent()
	md["traceparent"] = []string{tp}
	sent = cloneHeader(h)
	sent["traceparent"] = []string{tp}
	return md, sent, traceID, nil
}

// codeName gives a status code's canonical name, "NOT_FOUND" for NotFound.
func codeName(c codes.Code) string {
	s := c.String()
	switch c {
	case codes.OK:
		return "OK"
	case codes.Canceled: // grpc-go spells it the American way; the canonical name does not
		return "CANCELLED"
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
		}
		b.WriteString(strings.ToUpper(string(r)))
	}
	return b.String()
}

// method is a resolved method: its full name ("/pkg.Svc/M"), descriptor,
// and the types its messages may embed in Any fields.
type method struct {
	full  string
	desc  protoreflect.MethodDescriptor
	types *dynamicpb.Types
}

// parse turns a JSON body into the method's request message.
func (m *method) parse(body []byte) (*dynamicpb.Message, error) {
	body, err := checkBody(body)
	if err != nil {
		return nil, err
	}
	in := dynamicpb.NewMessage(m.desc.Input())
	if err := (protojson.UnmarshalOptions{Resolver: m.types}).Unmarshal(body, in); err != nil {
		return nil, protojsonError(err, m.desc.Input().FullName())
	}
	return in, nil
}
