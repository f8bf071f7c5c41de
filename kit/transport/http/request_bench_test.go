package http

import (
	"context"
	"net/http/httptest"
	"testing"
)

// plainState is what requestState would be without its two devices: the
// request id copied into a string of its own, and the state reached
// through a context.WithValue instead of being the context itself.
type plainState struct {
	srv   *Server
	hdr   [hdrSlots]string
	idBuf [idLen]byte
}

type plainKey struct{}

// BenchmarkRequestState measures what the Server spends per request on its
// state and request id (impl=kit) against the same without unsafe.String
// and with context.WithValue (impl=plain). The difference in allocs/op is
// the figure that keeps both devices: it is what lets the Server allocate
// no more than a raw handler (BenchmarkServeHTTP).
func BenchmarkRequestState(b *testing.B) {
	r := httptest.NewRequest("GET", "/", nil)
	s := &Server{}
	b.Run("impl=plain", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			st := &plainState{srv: s}
			fillID(&st.idBuf)
			st.hdr[hdrRequestID] = string(st.idBuf[:])
			ctx := context.WithValue(r.Context(), plainKey{}, st)
			if ctx.Value(plainKey{}).(*plainState).hdr[hdrRequestID] == "" {
				b.Fatal("no id")
			}
		}
	})
	b.Run("impl=kit", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var ctx context.Context = newRequestState(r, s)
			if RequestIDFromContext(ctx) == "" {
				b.Fatal("no id")
			}
		}
	})
}
