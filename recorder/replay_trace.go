package recorder

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// traceHeaders are the W3C trace context headers a replay never resends:
// each replayed exchange starts a trace of its own.
var traceHeaders = map[string]bool{"traceparent": true, "tracestate": true}

// newTraceparent returns a fresh sampled W3C traceparent and its trace id.
func newTraceparent() (header, traceID string) {
	var b [24]byte
	for {
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
		if !allZero(b[:16]) && !allZero(b[16:]) {
			break
		}
	}
	id := hex.EncodeToString(b[:16])
	return "00-" + id + "-" + hex.EncodeToString(b[16:]) + "-01", id
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// recordedTraceID is the trace id ex was recorded with: its TraceID, else
// the one in its recorded traceparent header.
func recordedTraceID(ex *Exchange) string {
	if ex.TraceID != "" {
		return ex.TraceID
	}
	for k, vs := range ex.Request.Headers {
		if strings.EqualFold(k, "traceparent") && len(vs) > 0 {
			if parts := strings.Split(vs[0], "-"); len(parts) == 4 && len(parts[1]) == 32 {
				return parts[1]
			}
		}
	}
	return ""
}

// sentTraceID is the trace id of the traceparent in h, or "".
func sentTraceID(h map[string][]string) string {
	return recordedTraceID(&Exchange{Request: Request{Headers: h}})
}
