package invoke

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/fullstorydev/grpcurl"
	"github.com/jhump/protoreflect/desc" //lint:ignore SA1019 grpcurl's descriptor sources speak only the v1 API; nothing of it is exported
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
)

// Resolve completes a method name into "pkg.Service/Method", the name the
// server knows. Accepted forms: "pkg.Service/Method", "pkg.Service.Method",
// and short ones — "Service.Method" or "name.Method" where name is any part
// of the gRPC service name (a kit service's discovery name, "bookstore",
// finds "bookstore.v1.BookService"), or a bare "Method" when one service
// has it. An unknown method is an error wrapping ErrNoMethod that suggests
// the closest names; a server without reflection (and no files given) is
// ErrNoReflection. A server that does not answer reflection holds the call
// until ctx ends, and no longer: the error then wraps ctx.Err().
func (g *GRPCClient) Resolve(ctx context.Context, name string) (string, error) {
	m, err := g.resolve(ctx, name)
	if err != nil {
		return "", err
	}
	return strings.TrimPrefix(m.full, "/"), nil
}

func (g *GRPCClient) resolve(ctx context.Context, name string) (*method, error) {
	g.mu.Lock()
	m := g.methods[name]
	g.mu.Unlock()
	if m != nil {
		return m, nil
	}
	svc, meth := splitMethod(name)
	if meth == "" {
		return nil, fmt.Errorf("%w: %q: want SERVICE.METHOD", ErrNoMethod, name)
	}
	var sd *desc.ServiceDescriptor
	err := g.descriptors(ctx, func(src grpcurl.DescriptorSource) error {
		if strings.Contains(svc, ".") {
			d, err := src.FindSymbol(svc)
			if err != nil && !isNotFound(err) {
				return g.sourceError(err)
			}
			sd, _ = d.(*desc.ServiceDescriptor)
		}
		if sd == nil {
			var err error
			sd, err = g.findService(src, svc, meth)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	md := sd.FindMethodByName(meth)
	if md == nil {
		var names []string
		for _, m := range sd.GetMethods() {
			names = append(names, m.GetName())
		}
		return nil, NotFound(ErrNoMethod, meth, sd.GetFullyQualifiedName(), names)
	}
	pm := md.UnwrapMethod()
	m = &method{full: "/" + sd.GetFullyQualifiedName() + "/" + meth, desc: pm, types: typesOf(pm.ParentFile())}
	g.mu.Lock()
	g.methods[name] = m
	g.mu.Unlock()
	return m, nil
}

// MethodDescriptor returns the descriptor of the method whose exact full
// name is fullMethod ("/pkg.Service/Method", as a server sees it),
// streaming or not, from the client's descriptor source (server
// reflection unless files were given). It is what a proxy needs to read
// the messages it forwards; people's names go through Resolve. An unknown
// service or method wraps ErrNoService or ErrNoMethod; a server without
// reflection is ErrNoReflection. A server that does not answer holds the
// call until ctx ends, and no longer: the error then wraps ctx.Err().
func (g *GRPCClient) MethodDescriptor(ctx context.Context, fullMethod string) (protoreflect.MethodDescriptor, error) {
	svc, meth, ok := strings.Cut(strings.TrimPrefix(fullMethod, "/"), "/")
	if !ok || svc == "" || meth == "" {
		return nil, fmt.Errorf("%w: %q: want /pkg.Service/Method", ErrNoMethod, fullMethod)
	}
	var d desc.Descriptor
	err := g.descriptors(ctx, func(src grpcurl.DescriptorSource) error {
		var err error
		if d, err = src.FindSymbol(svc); err != nil {
			if isNotFound(err) {
				return fmt.Errorf("%w: %s", ErrNoService, svc)
			}
			return g.sourceError(err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sd, ok := d.(*desc.ServiceDescriptor)
	if !ok {
		return nil, fmt.Errorf("%w: %s is not a service", ErrNoService, svc)
	}
	md := sd.FindMethodByName(meth)
	if md == nil {
		return nil, fmt.Errorf("%w: %s has no method %s", ErrNoMethod, svc, meth)
	}
	return md.UnwrapMethod(), nil
}

// splitMethod splits "a.b.Svc/M", "a.b.Svc.M" or "M".
func splitMethod(name string) (svc, meth string) {
	name = strings.TrimPrefix(strings.TrimSpace(name), "/")
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		return name[:i], name[i+1:]
	}
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[:i], name[i+1:]
	}
	return "", name
}

// infra are services every kit server offers besides its own.
func infra(name string) bool {
	return strings.HasPrefix(name, "grpc.reflection.") || strings.HasPrefix(name, "grpc.health.")
}

// findService finds the service with method meth among those whose name
// contains hint (all, when none does) in src.
func (g *GRPCClient) findService(src grpcurl.DescriptorSource, hint, meth string) (*desc.ServiceDescriptor, error) {
	all, err := src.ListServices()
	if err != nil {
		return nil, g.sourceError(err)
	}
	slices.Sort(all)
	var cands []string
	for _, s := range all {
		if hint != "" && strings.Contains(strings.ToLower(s), strings.ToLower(hint)) {
			cands = append(cands, s)
		}
	}
	if len(cands) == 0 {
		if strings.Contains(hint, ".") {
			return nil, NotFound(ErrNoService, hint, "the server's services", all)
		}
		for _, s := range all {
			if !infra(s) || strings.Contains(hint, "grpc") {
				cands = append(cands, s)
			}
		}
	}
	var found []*desc.ServiceDescriptor
	var methods []string
	for _, s := range cands {
		d, err := src.FindSymbol(s)
		if err != nil {
			return nil, g.sourceError(err)
		}
		sd, ok := d.(*desc.ServiceDescriptor)
		if !ok {
			continue
		}
		if sd.FindMethodByName(meth) != nil {
			found = append(found, sd)
		}
		for _, m := range sd.GetMethods() {
			methods = append(methods, m.GetName())
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		slices.Sort(methods)
		methods = slices.Compact(methods) // v1 and v1alpha reflection share their method's name
		where := strings.Join(cands, ", ")
		if where == "" {
			where = "the server (it offers no services)"
		}
		return nil, NotFound(ErrNoMethod, meth, where, methods)
	}
	names := make([]string, len(found))
	for i, sd := range found {
		names[i] = sd.GetFullyQualifiedName() + "." + meth
	}
	return nil, fmt.Errorf("%w: %q is ambiguous: name one of %s", ErrNoMethod, meth, strings.Join(names, ", "))
}

// Methods lists every method of every service as "pkg.Service.Method",
// sorted; reflection and health services are left out.
func (g *GRPCClient) Methods(ctx context.Context) ([]string, error) {
	var out []string
	err := g.descriptors(ctx, func(src grpcurl.DescriptorSource) error {
		svcs, err := src.ListServices()
		if err != nil {
			return g.sourceError(err)
		}
		for _, s := range svcs {
			if infra(s) {
				continue
			}
			d, err := src.FindSymbol(s)
			if err != nil {
				return g.sourceError(err)
			}
			if sd, ok := d.(*desc.ServiceDescriptor); ok {
				for _, m := range sd.GetMethods() {
					out = append(out, m.GetFullyQualifiedName())
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(out)
	return out, nil
}

func (g *GRPCClient) sourceError(err error) error {
	if errors.Is(err, grpcurl.ErrReflectionNotSupported) {
		return fmt.Errorf("%w by %s: give the service's .proto (--proto, --import-path) or a protoset (--protoset)", ErrNoReflection, g.addr)
	}
	if st, ok := status.FromError(err); ok && st.Code() == codes.Unavailable {
		return fmt.Errorf("%w: %s: %s", ErrUnreachable, g.addr, st.Message())
	}
	return fmt.Errorf("reading descriptors from %s: %w", g.addr, err)
}

func isNotFound(err error) bool {
	if st, ok := status.FromError(err); ok && st.Code() == codes.NotFound {
		return true
	}
	return err != nil && strings.Contains(err.Error(), "not found")
}

// typesOf collects the message and extension types of fd and its imports,
// so Any fields resolve.
func typesOf(fd protoreflect.FileDescriptor) *dynamicpb.Types {
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

// multiSource serves symbols from several sources (protosets and .proto
// files), the first that knows a name winning.
type multiSource []grpcurl.DescriptorSource

func (m multiSource) ListServices() ([]string, error) {
	var out []string
	for _, s := range m {
		l, err := s.ListServices()
		if err != nil {
			return nil, err
		}
		for _, n := range l {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out, nil
}

func (m multiSource) FindSymbol(name string) (desc.Descriptor, error) {
	var err error
	for _, s := range m {
		var d desc.Descriptor
		if d, err = s.FindSymbol(name); err == nil {
			return d, nil
		}
	}
	return nil, err
}

func (m multiSource) AllExtensionsForType(name string) ([]*desc.FieldDescriptor, error) {
	var out []*desc.FieldDescriptor
	for _, s := range m {
		l, err := s.AllExtensionsForType(name)
		if err != nil {
			return nil, err
		}
		out = append(out, l...)
	}
	return out, nil
}

var protojsonPos = regexp.MustCompile(`\(line (\d+):(\d+)\): (.*)$`)

// protojsonError rewrites a protojson error as ours: sentinel, position,
// message type.
func protojsonError(err error, msg protoreflect.FullName) error {
	text := err.Error()
	sentinel := ErrBadJSON
	if strings.Contains(text, "unknown field") {
		sentinel = ErrUnknownField
	}
	if m := protojsonPos.FindStringSubmatch(text); m != nil {
		line, _ := strconv.Atoi(m[1])
		col, _ := strconv.Atoi(m[2])
		if name, ok := strings.CutPrefix(m[3], "unknown field "); ok {
			return fmt.Errorf("%w %s at line %d, column %d (request message %s)", ErrUnknownField, name, line, col, msg)
		}
		return fmt.Errorf("%w at line %d, column %d: %s (request message %s)", sentinel, line, col, m[3], msg)
	}
	return fmt.Errorf("%w: %s (request message %s)", sentinel, strings.TrimPrefix(text, "proto: "), msg)
}

// compact returns b as compact JSON; b unchanged when it is not JSON.
func compact(b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return b, err
	}
	return buf.Bytes(), nil
}
