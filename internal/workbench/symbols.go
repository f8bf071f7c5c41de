package workbench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/fullstorydev/grpcurl"
	"github.com/jhump/protoreflect/desc" //lint:ignore SA1019 grpcurl's descriptor sources speak only the v1 API
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/kitbench/kitbench/internal/sanitize"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/invoke"
)

// Symbols answers grpcurl's verbs as grpcurl prints them: verb "list"
// with name "" lists the services, with a service its methods; "describe"
// describes name (a service, method, message, enum or field), or every
// service when name is "". The descriptors are the files conn names when
// src names no --target (grpcurl's offline use of -protoset), else an
// instance's server reflection (or those files): the --target, or an
// instance of the discovery name that is name's first part.
func Symbols(ctx context.Context, src Source, conn ConnectOptions, verb, name string) (string, error) {
	print := func(s grpcurl.DescriptorSource) (string, error) {
		if verb == "list" {
			return ListText(s, name)
		}
		return DescribeText(s, name)
	}
	if src.Target == "" && (len(conn.Protosets) > 0 || len(conn.ProtoFiles) > 0) {
		s, err := fileSource(conn)
		if err != nil {
			return "", Exit(ExitUsage, err)
		}
		return print(s)
	}
	service, _, _ := strings.Cut(name, ".")
	if src.Target == "" && service == "" {
		return "", Exitf(ExitUsage, "%s needs a service or an address: kitbench call %s SERVICE (see 'kitbench list'), or --target ADDR", verb, verb)
	}
	cands, err := Candidates(ctx, src, service)
	if err != nil {
		return "", err
	}
	if src.Target == "" && !strings.Contains(name, ".") {
		name = "" // a discovery name alone: all its instance offers
	}
	var out string
	c := NewCaller(CallerOptions{Connect: conn})
	err = c.first(ctx, service, verb, cands, true, func(inst sd.Instance, inv invoke.Invoker) error {
		g := grpcOf(inv)
		if g == nil {
			return fmt.Errorf("%s reads gRPC descriptors, and %s offers HTTP only: 'kitbench describe %s' lists its routes", verb, inst.ID, service)
		}
		return g.Descriptors(ctx, func(s grpcurl.DescriptorSource) error {
			var err error
			out, err = print(s)
			return err
		})
	})
	return out, err
}

// WriteSymbols writes what Symbols answers to ca's verb and name, each
// line sanitized.
func WriteSymbols(ctx context.Context, w io.Writer, src Source, conn ConnectOptions, ca CallArgs) error {
	text, err := Symbols(ctx, src, conn, ca.Verb, ca.Name)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, sanitize.Text(text))
	return err
}

// fileSource reads the descriptors of conn's protosets or .proto files.
func fileSource(conn ConnectOptions) (grpcurl.DescriptorSource, error) {
	if len(conn.Protosets) > 0 && len(conn.ProtoFiles) > 0 {
		return nil, errors.New("--protoset and --proto together need --target ADDR")
	}
	if len(conn.Protosets) > 0 {
		return grpcurl.DescriptorSourceFromProtoSets(conn.Protosets...)
	}
	return grpcurl.DescriptorSourceFromProtoFiles(conn.ImportPaths, conn.ProtoFiles...)
}

// ListText is grpcurl's list output: one service (service "") or one
// method of service ("pkg.Service.Method") a line, sorted, or grpcurl's
// "(No services)". An unknown service wraps invoke.ErrNoService.
func ListText(src grpcurl.DescriptorSource, service string) (string, error) {
	var names []string
	var err error
	if service == "" {
		if names, err = grpcurl.ListServices(src); len(names) == 0 && err == nil {
			return "(No services)\n", nil
		}
	} else if names, err = grpcurl.ListMethods(src, service); len(names) == 0 && err == nil {
		return "(No methods)\n", nil
	}
	if err != nil {
		return "", symbolError(src, service, err)
	}
	return strings.Join(names, "\n") + "\n", nil
}

// DescribeText is grpcurl's describe output: for each symbol (symbol, or
// every service when symbol is ""), "NAME is a KIND:" and its proto
// source.
func DescribeText(src grpcurl.DescriptorSource, symbol string) (string, error) {
	symbols := []string{strings.TrimPrefix(symbol, ".")}
	if symbol == "" {
		svcs, err := src.ListServices()
		if err != nil {
			return "", symbolError(src, "", err)
		}
		if len(svcs) == 0 {
			return "Server returned an empty list of exposed services\n", nil
		}
		symbols = svcs
	}
	var b strings.Builder
	for _, s := range symbols {
		d, err := src.FindSymbol(s)
		if err != nil {
			return "", symbolError(src, s, err)
		}
		d, kind := describedAs(d)
		txt, err := grpcurl.GetDescriptorText(d, src)
		if err != nil {
			return "", fmt.Errorf("describing %s: %w", s, err)
		}
		fmt.Fprintf(&b, "%s is %s:\n%s\n", d.GetFullyQualifiedName(), kind, txt)
	}
	return b.String(), nil
}

// describedAs is what grpcurl describes for d, and the kind it names:
// a map entry or a group's message is described as its field.
func describedAs(d desc.Descriptor) (desc.Descriptor, string) {
	switch d := d.(type) {
	case *desc.MessageDescriptor:
		if parent, ok := d.GetParent().(*desc.MessageDescriptor); ok {
			for _, f := range parent.GetFields() {
				if f.GetMessageType() != d {
					continue
				}
				if d.IsMapEntry() && f.IsMap() {
					return f, "the entry type for a map field"
				}
				if f.GetType() == descriptorpb.FieldDescriptorProto_TYPE_GROUP {
					return f, "the type of a group field"
				}
			}
		}
		return d, "a message"
	case *desc.FieldDescriptor:
		switch {
		case d.GetType() == descriptorpb.FieldDescriptorProto_TYPE_GROUP:
			return d, "a group field"
		case d.IsExtension():
			return d, "an extension"
		}
		return d, "a field"
	case *desc.OneOfDescriptor:
		return d, "a one-of"
	case *desc.EnumDescriptor:
		return d, "an enum"
	case *desc.EnumValueDescriptor:
		return d, "an enum value"
	case *desc.ServiceDescriptor:
		return d, "a service"
	case *desc.MethodDescriptor:
		return d, "a method"
	}
	return d, "a symbol"
}

// symbolError says a symbol is unknown, suggesting the closest services;
// an error with a gRPC status other than NOT_FOUND (the server failing,
// not the name) passes through. A descriptor source reports an unknown
// name with a status (reflection) or with grpcurl's own error (files).
func symbolError(src grpcurl.DescriptorSource, name string, err error) error {
	if st, ok := status.FromError(err); name == "" || (ok && st.Code() != codes.NotFound) {
		return err
	}
	all, lerr := src.ListServices()
	if lerr != nil {
		all = nil
	}
	return invoke.NotFound(invoke.ErrNoService, name, "the server's services", all)
}
