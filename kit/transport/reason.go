package transport

import "net/http"

// The reasons kit itself gives an error a client may see. A service may give
// its own (see Reasoner); these are the ones kit's middlewares and
// transports use.
const (
	// ReasonBreakerOpen: a circuit breaker in this process refused the call
	// without trying it (kit/circuitbreaker).
	ReasonBreakerOpen = "breaker_open"
	// ReasonRateLimited: a rate limiter in this process refused the call
	// (kit/ratelimit).
	ReasonRateLimited = "rate_limited"
	// ReasonDeadline: a deadline passed before the call completed (a 504 /
	// DeadlineExceeded without a more specific reason).
	ReasonDeadline = "deadline"
	// ReasonUnavailable: the service, or one it depends on, cannot serve the
	// call now (a 502 or 503 / Unavailable without a more specific reason,
	// and an upstream's breaker_open passed on by a gateway).
	ReasonUnavailable = "unavailable"
	// ReasonFaultInjected: a fault injected on purpose (a control of
	// kit/fault) made the call fail, so nobody takes it for a real failure.
	ReasonFaultInjected = "fault_injected"
	// ReasonInternal: the service failed (a 500 and any other server error
	// without a more specific reason, a recovered panic included: that a
	// panic happened is for the service's logs and kit_panics_total, not
	// its callers).
	ReasonInternal = "internal"
)

// ReasonDomain is the domain of the google.rpc.ErrorInfo detail that kit's
// gRPC transport puts a reason in.
const ReasonDomain = "kit.kitbench.dev"

// Reasoner is implemented by errors that carry a machine-readable reason
// for a client: a short lower_snake_case token such as "breaker_open" or a
// service's own "book_locked", at most 63 characters of a-z, 0-9 and '_',
// starting with a letter. ReasonOf finds it anywhere in an error's chain.
// A reason is part of the service's API, like a status code: it must not
// carry internal detail. An empty or malformed reason counts as none.
type Reasoner interface {
	ErrorReason() string
}

// ReasonOf returns the reason a client may see for err: the first valid
// reason a Reasoner in err's chain gives (depth first, as errors.As walks),
// else one derived from the status: ReasonDeadline for a 504 (or a bare
// context.DeadlineExceeded), ReasonUnavailable for a 502 or 503,
// ReasonRateLimited for a 429, ReasonInternal for any other status from
// 500. A client error without a Reasoner, a cancellation (499) and nil have
// no reason: "".
func ReasonOf(err error) string {
	if err == nil {
		return ""
	}
	if r := ownReason(err); r != "" {
		return r
	}
	switch status := StatusOf(err); {
	case status == http.StatusGatewayTimeout:
		return ReasonDeadline
	case status == http.StatusBadGateway, status == http.StatusServiceUnavailable:
		return ReasonUnavailable
	case status == http.StatusTooManyRequests:
		return ReasonRateLimited
	case status >= 500:
		return ReasonInternal
	}
	return ""
}

// ownReason walks err's chain for the first valid Reasoner's reason.
func ownReason(err error) string {
	for err != nil {
		if r, ok := err.(Reasoner); ok {
			if s := r.ErrorReason(); ValidReason(s) {
				return s
			}
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if s := ownReason(e); s != "" {
					return s
				}
			}
			return ""
		default:
			return ""
		}
	}
	return ""
}

// ValidReason reports whether s is a well-formed reason: 1 to 63
// characters of a-z, 0-9 and '_', starting with a letter.
func ValidReason(s string) bool {
	if len(s) == 0 || len(s) > 63 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// PassOnReason is the reason a gateway gives its own caller for an
// upstream's reason, as kit's clients report it through ErrorReason: an
// upstream's breaker_open becomes unavailable (the upstream's breaker is
// its own state, and the caller must not take it for the gateway's);
// every other reason, a service's own included, passes unchanged.
// Clients keep the upstream's reason as it was sent in a field of their
// error for code that wants it.
func PassOnReason(upstream string) string {
	if upstream == ReasonBreakerOpen {
		return ReasonUnavailable
	}
	return upstream
}
