package recorder

import (
	"encoding/base64"
	"errors"
	"slices"
	"strconv"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// errGeneral means a message needs protojson's general encoder: a
// well-known type other than Timestamp and Duration, extensions, a string
// that is not UTF-8, a value out of its type's range. protojson then
// encodes it, or reports why it cannot.
var errGeneral = errors.New("recorder: message needs protojson")

// errDepth: a message nested deeper than maxMessageDepth (a cycle).
var errDepth = errors.New("recorder: message nested too deeply")

// maxMessageDepth bounds how deeply appendMessage follows sub-messages
// (protobuf's own default recursion limit), so a message that contains
// itself is an error rather than a stack overflow.
const maxMessageDepth = 10000

// AppendMessageBody sets *body to m as a JSON body, encoded as MessageBody
// encodes it, whose bytes are appended to buf; it returns buf extended.
// body.JSON shares buf's memory, so buf must not be reused while body is
// in use: it is for a caller that encodes many messages, one after
// another, without allocating for each (recorder/capture's writer).
func AppendMessageBody(body *Body, buf []byte, m proto.Message) ([]byte, error) {
	start := len(buf)
	buf, err := appendMessageJSON(buf, m)
	if err != nil {
		*body = Body{}
		return buf[:start], err
	}
	*body = Body{JSON: buf[start:len(buf):len(buf)], valid: true}
	return buf, nil
}

// appendMessageJSON appends m as protoJSON would marshal it, skipping
// protojson's general machinery for the common case.
func appendMessageJSON(b []byte, m proto.Message) ([]byte, error) {
	start := len(b)
	out, err := appendMessage(b, m.ProtoReflect(), 0)
	if err == nil {
		return out, nil
	}
	if !errors.Is(err, errGeneral) {
		return b[:start], err
	}
	out, err = protoJSON.MarshalAppend(b[:start], m)
	if err != nil {
		return b[:start], err
	}
	return out, nil
}

// appendMessage writes the fields protojson (UseProtoNames) writes, in
// its order: the populated ones, by declaration.
func appendMessage(b []byte, m protoreflect.Message, depth int) ([]byte, error) {
	if depth > maxMessageDepth {
		return b, errDepth
	}
	md := m.Descriptor()
	if md.FullName().Parent() == "google.protobuf" {
		switch md.FullName().Name() {
		case "Timestamp":
			return appendTimestamp(b, m)
		case "Duration":
			return appendDuration(b, m)
		}
		return b, errGeneral
	}
	if md.ExtensionRanges().Len() > 0 {
		return b, errGeneral // extensions, MessageSets: leave them to protojson
	}
	b = append(b, '{')
	first := true
	fields := md.Fields()
	var err error
	for i := range fields.Len() {
		fd := fields.Get(i)
		if !m.Has(fd) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		if b, err = appendProtoString(b, fd.TextName()); err != nil {
			return b, err
		}
		b = append(b, ':')
		v := m.Get(fd)
		switch {
		case fd.IsList():
			b, err = appendList(b, v.List(), fd, depth)
		case fd.IsMap():
			b, err = appendMap(b, v.Map(), fd, depth)
		default:
			b, err = appendSingular(b, v, fd, depth)
		}
		if err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

func appendList(b []byte, l protoreflect.List, fd protoreflect.FieldDescriptor, depth int) ([]byte, error) {
	b = append(b, '[')
	var err error
	for i := range l.Len() {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = appendSingular(b, l.Get(i), fd, depth); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

// appendMap writes a map's entries in protojson's order: false before
// true, numbers ascending, strings by bytes.
func appendMap(b []byte, mp protoreflect.Map, fd protoreflect.FieldDescriptor, depth int) ([]byte, error) {
	keys := make([]protoreflect.MapKey, 0, mp.Len())
	mp.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
		keys = append(keys, k)
		return true
	})
	kind := fd.MapKey().Kind()
	slices.SortFunc(keys, func(x, y protoreflect.MapKey) int {
		switch kind {
		case protoreflect.BoolKind:
			xb, yb := x.Bool(), y.Bool()
			switch {
			case xb == yb:
				return 0
			case !xb:
				return -1
			}
			return 1
		case protoreflect.StringKind:
			xs, ys := x.String(), y.String()
			switch {
			case xs < ys:
				return -1
			case xs > ys:
				return 1
			}
			return 0
		case protoreflect.Uint32Kind, protoreflect.Uint64Kind, protoreflect.Fixed32Kind, protoreflect.Fixed64Kind:
			xu, yu := x.Uint(), y.Uint()
			switch {
			case xu < yu:
				return -1
			case xu > yu:
				return 1
			}
			return 0
		}
		xi, yi := x.Int(), y.Int()
		switch {
		case xi < yi:
			return -1
		case xi > yi:
			return 1
		}
		return 0
	})
	b = append(b, '{')
	vd := fd.MapValue()
	var err error
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = appendProtoString(b, k.String()); err != nil {
			return b, err
		}
		b = append(b, ':')
		if b, err = appendSingular(b, mp.Get(k), vd, depth); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

func appendSingular(b []byte, v protoreflect.Value, fd protoreflect.FieldDescriptor, depth int) ([]byte, error) {
	if !v.IsValid() {
		return append(b, "null"...), nil
	}
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return strconv.AppendBool(b, v.Bool()), nil
	case protoreflect.StringKind:
		return appendProtoString(b, v.String())
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return strconv.AppendInt(b, v.Int(), 10), nil
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return strconv.AppendUint(b, v.Uint(), 10), nil
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		b = append(b, '"')
		b = strconv.AppendInt(b, v.Int(), 10)
		return append(b, '"'), nil
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		b = append(b, '"')
		b = strconv.AppendUint(b, v.Uint(), 10)
		return append(b, '"'), nil
	case protoreflect.FloatKind:
		return appendProtoFloat(b, v.Float(), 32), nil
	case protoreflect.DoubleKind:
		return appendProtoFloat(b, v.Float(), 64), nil
	case protoreflect.BytesKind:
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, v.Bytes())
		return append(b, '"'), nil
	case protoreflect.EnumKind:
		ed := fd.Enum()
		if ed.FullName() == "google.protobuf.NullValue" {
			return append(b, "null"...), nil
		}
		if vd := ed.Values().ByNumber(v.Enum()); vd != nil {
			return appendProtoString(b, string(vd.Name()))
		}
		return strconv.AppendInt(b, int64(v.Enum()), 10), nil
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return appendMessage(b, v.Message(), depth+1)
	}
	return b, errGeneral
}
