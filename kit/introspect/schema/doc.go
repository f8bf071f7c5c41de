// Package schema holds the description of a service's endpoints that the
// introspection protocol (kit/introspect, docs/introspection.md) serves in
// its info resource: EndpointDoc, and the MessageDoc of a request or
// response that DescribeType derives from a Go type.
//
// It is apart from kit/introspect so that the transports that describe
// their routes and methods (kit/transport/http) need not link the admin
// handler and its Prometheus exposition: it imports only the standard
// library. kit/introspect names the same types (introspect.EndpointDoc is
// schema.EndpointDoc), so services need not import this package.
//
// # Failure behaviour
//
// DescribeType never fails: a value JSON cannot show field by field (a
// channel, a func, a type with its own MarshalJSON) is "any", nesting
// deeper than it follows is cut off, and a template encoding/json cannot
// write is left out (nil).
package schema
