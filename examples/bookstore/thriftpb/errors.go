package bookthrift

import (
	"net/http"
	"time"
)

// The declared exceptions are the service's typed errors. These methods
// (in a file of their own: the generated files are never edited) give them
// their meaning in kit's error vocabulary, so transport.StatusOf, breakers
// and balancers read them like any kit error.

// StatusCode implements transport.StatusCoder: 404.
func (*NotFound) StatusCode() int { return http.StatusNotFound }

// StatusCode implements transport.StatusCoder: 400.
func (*InvalidArgument) StatusCode() int { return http.StatusBadRequest }

// StatusCode implements transport.StatusCoder with the carried status; a
// status outside 400–599 means 500.
func (e *ServiceError) StatusCode() int {
	if e.Status < 400 || e.Status > 599 {
		return http.StatusInternalServerError
	}
	return int(e.Status)
}

// RetryAfter implements transport.RetryAfterer with RetryAfterMs.
func (e *ServiceError) RetryAfter() time.Duration {
	return time.Duration(e.RetryAfterMs) * time.Millisecond
}
