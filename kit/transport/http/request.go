package http

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"unsafe"
)

// RequestIDHeader is the header that carries a request id, in requests (an
// id a caller chose) and in every response of a Server.
const RequestIDHeader = "X-Request-Id"

// maxRequestIDLen bounds an incoming request id; a longer one is replaced.
const maxRequestIDLen = 128

// Slots of requestState.hdr, used as header value slices so that setting a
// header does not allocate.
const (
	hdrContentType = iota
	hdrRequestID
	hdrSlots
)

// requestState is everything a Server keeps per request, in one allocation:
// it is the request's context (carrying the id), the backing store of the
// header values the Server sets, and the body limiter. Being the context
// itself, instead of a value in a context.WithValue, and holding the id's
// bytes (see requestID) save two allocations per request, which is what
// keeps the Server at a raw handler's count (BenchmarkRequestState shows
// the difference; docs/performance.md carries it).
type requestState struct {
	context.Context
	srv   *Server
	hdr   [hdrSlots]string // hdr[hdrRequestID] is the request id
	body  limitedBody
	idBuf [idLen]byte // backs id when it is generated here
}

// stateKey is the context key under which a requestState finds itself.
type stateKey struct{}

func newRequestState(r *http.Request, s *Server) *requestState {
	st := &requestState{Context: r.Context(), srv: s}
	st.hdr[hdrContentType] = "application/json"
	st.hdr[hdrRequestID] = st.requestID(r)
	return st
}

// Value implements context.Context.
func (st *requestState) Value(key any) any {
	if key == (stateKey{}) {
		return st
	}
	return st.Context.Value(key)
}

func stateFrom(ctx context.Context) *requestState {
	st, _ := ctx.Value(stateKey{}).(*requestState)
	return st
}

// RequestIDFromContext returns the id of the request a Server (or a
// Router's error response) is handling, and "" when ctx carries none.
func RequestIDFromContext(ctx context.Context) string {
	if st := stateFrom(ctx); st != nil {
		return st.hdr[hdrRequestID]
	}
	return ""
}

// requestID returns the caller's X-Request-Id when it is sane (1 to 128
// printable ASCII characters, no spaces), or a fresh random one.
func (st *requestState) requestID(r *http.Request) string {
	if v := r.Header[RequestIDHeader]; len(v) > 0 && saneID(v[0]) {
		return v[0]
	}
	fillID(&st.idBuf)
	// The string shares st.idBuf, which fillID wrote above and nothing
	// writes again (a requestState is never reused), so it stays as
	// immutable as a string must be, without an allocation of its own.
	return unsafe.String(&st.idBuf[0], idLen)
}

func saneID(s string) bool {
	if len(s) == 0 || len(s) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

const hexDigits = "0123456789abcdef"

// idLen is the length of a generated request id.
const idLen = 16

// fillID writes 16 random hex digits: unique enough to find one request in
// a service's logs, and cheap (math/rand/v2's per-thread generator).
func fillID(b *[idLen]byte) {
	x := rand.Uint64()
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = hexDigits[x&0xf]
		x >>= 4
	}
}

// limitedBody caps a request body like http.MaxBytesReader, without a
// separate allocation.
type limitedBody struct {
	rc    io.ReadCloser
	left  int64 // bytes still allowed; negative once the limit was passed
	limit int64
	eof   bool          // the body has ended
	keep  *bytes.Buffer // when set, receives a copy of what is read
}

// consumed reports whether all of the body was read and it held exactly n
// bytes.
func (b *limitedBody) consumed(n int64) bool { return b.eof && b.limit-b.left == n }

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, bodyTooLarge(b.limit)
	}
	if len(p) == 0 {
		return 0, nil
	}
	// Ask for one byte more than allowed, to see whether the body goes on.
	if int64(len(p))-1 > b.left {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	if int64(n) <= b.left {
		b.left -= int64(n)
		if b.keep != nil {
			b.keep.Write(p[:n])
		}
		b.eof = err == io.EOF
		return n, err
	}
	n = int(b.left)
	b.left = -1
	return n, bodyTooLarge(b.limit)
}

func (b *limitedBody) Close() error { return b.rc.Close() }
