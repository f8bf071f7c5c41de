package capture

import (
	"context"
	"strings"

	"google.golang.org/grpc/metadata"
)

// The ring reads a call's incoming metadata where grpc-go keeps it, without
// the copy metadata.FromIncomingContext makes (a map and a slice a key:
// most of what keeping a unary call would otherwise allocate). grpc-go
// offers no accessor that does not copy — a stats.Handler sees a copy
// too, and makes grpc-go allocate an event struct for each step of every
// call — so the ring learns the context key grpc-go uses, once, by
// watching which keys FromIncomingContext asks a context for, and checks
// that the key finds the very map NewIncomingContext stored. Should a
// grpc-go release keep metadata otherwise, the check fails and the ring
// falls back to FromIncomingContext: the same exchanges, with the copy's
// allocations (TestAllocRingUnary then says so).
//
// The map is only read, on the call's goroutine, after the handler has
// returned: grpc-go never changes it, and its documentation asks every
// reader to leave it unchanged.

// incomingKey is the context key of grpc-go's incoming metadata, or nil
// when it could not be found.
var incomingKey = findIncomingKey()

// keySpy is a context that notes which keys it is asked for and holds
// no values.
type keySpy struct {
	context.Context
	keys []any
}

func (s *keySpy) Value(key any) any {
	s.keys = append(s.keys, key)
	return nil
}

// findIncomingKey returns the key under which NewIncomingContext stores
// its map itself (not a copy), or nil.
func findIncomingKey() any {
	spy := &keySpy{Context: context.Background()}
	_, _ = metadata.FromIncomingContext(spy)
	probe := metadata.MD{"kitbench-probe": {"1"}}
	ctx := metadata.NewIncomingContext(context.Background(), probe)
	for _, k := range spy.keys {
		md, ok := ctx.Value(k).(metadata.MD)
		if !ok || len(md) != len(probe) {
			continue
		}
		probe["kitbench-probe-2"] = nil // seen through md only if md is probe itself
		_, same := md["kitbench-probe-2"]
		delete(probe, "kitbench-probe-2")
		if same {
			return k
		}
	}
	return nil
}

// incomingMD returns ctx's incoming metadata, to be read and never
// changed: grpc-go's own map when incomingKey was found, else a copy.
// Its keys may not be lower case (a context made by NewIncomingContext
// holds whatever map it was given).
func incomingMD(ctx context.Context) metadata.MD {
	if incomingKey != nil {
		md, _ := ctx.Value(incomingKey).(metadata.MD)
		return md
	}
	md, _ := metadata.FromIncomingContext(ctx)
	return md
}

// appendMD stores md as header pairs within limit, with its keys in lower
// case as gRPC sends them, marking the slot when some do not fit. It
// keeps the trace id of a traceparent entry.
func (s *slot) appendMD(md metadata.MD, limit int) span {
	off := len(s.buf)
	for k, vs := range md {
		if len(vs) > 0 && strings.EqualFold(k, "traceparent") {
			s.setTrace(vs[0])
		}
		for _, v := range vs {
			at := len(s.buf)
			if !s.appendPair(k, v, limit) {
				s.hdrCut = true
				continue
			}
			lower(s.buf[at+uvarintLen(len(k)):][:len(k)])
		}
	}
	return span{uint32(off), uint32(len(s.buf) - off)}
}

// uvarintLen is how many bytes binary.AppendUvarint writes for n.
func uvarintLen(n int) int {
	l := 1
	for ; n >= 0x80; n >>= 7 {
		l++
	}
	return l
}

// lower turns b's ASCII letters to lower case in place.
func lower(b []byte) {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
}
