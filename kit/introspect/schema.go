package introspect

import (
	"encoding/json"
	"reflect"

	"github.com/kitbench/kitbench/kit/introspect/schema"
)

// EndpointDoc describes one endpoint as served by one transport; see
// schema.EndpointDoc, which it is.
type EndpointDoc = schema.EndpointDoc

// MessageDoc describes a request or response as JSON carries it; see
// schema.MessageDoc, which it is.
type MessageDoc = schema.MessageDoc

// FieldDoc is one field of a MessageDoc; see schema.FieldDoc, which it is.
type FieldDoc = schema.FieldDoc

// DescribeType returns the JSON shape of values of type t and a JSON
// template of the type at its zero value; it is schema.DescribeType.
func DescribeType(t reflect.Type) (*MessageDoc, json.RawMessage) { return schema.DescribeType(t) }
