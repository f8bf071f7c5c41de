package devregistry

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/kitbench/kitbench/kit/internal/hostcheck"
)

// ErrForbidden marks a request refused before it reaches the API: a Host
// header that does not name the registry, or a write from another
// origin (HTTP 403).
var ErrForbidden = errors.New("devregistry: forbidden")

// maxNameLen bounds service names, IDs, check IDs and tags, in bytes.
const maxNameLen = 512

// guard answers, before the API sees a request: 403 for a Host that does
// not name this registry (DNS rebinding) and for a cross-origin write
// from a browser, 400 for a path with empty, "." or ".." segments (the
// registry never cleans paths, so "a/../b" is refused rather than read as
// "b").
func (r *Registry) guard(next http.Handler) http.Handler {
	// Consul sends no CORS headers unless configured to, so a browser
	// cannot make a cross-origin write to it; the registry refuses such a
	// write on the server side: a non-GET request whose Sec-Fetch-Site or
	// Origin says it comes from another origin.
	cop := http.NewCrossOriginProtection()
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if !r.hosts.Allowed(req) {
			writeErr(w, fmt.Errorf("%w: %s", ErrForbidden,
				hostcheck.Refusal(req, "allow the name with devregistry.Options.AllowedHosts")))
			return
		}
		if err := cop.Check(req); err != nil {
			writeErr(w, fmt.Errorf("%w: %s from origin %q refused: the dev registry, like Consul, takes writes from a browser only from its own origin (%v)",
				ErrForbidden, req.Method, clip(req.Header.Get("Origin")), err))
			return
		}
		if err := checkPath(req.URL.Path); err != nil {
			writeErr(w, err)
			return
		}
		next.ServeHTTP(w, req)
	})
}

// checkPath refuses a path with an empty, "." or ".." segment instead of
// letting the mux redirect it to its cleaned form.
func checkPath(p string) error {
	rest, _ := strings.CutPrefix(p, "/")
	for seg := range strings.SplitSeq(rest, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("%w: path %q has an empty, \".\" or \"..\" segment; the registry does not rewrite paths, so an ID such as \"a/../b\" is refused rather than read as \"b\"",
				ErrBadRequest, clip(p))
		}
	}
	return nil
}

// checkID validates a service or check ID: not empty, at most maxNameLen
// bytes of UTF-8 without NUL, and no empty, "." or ".." segment between
// slashes. Other control characters pass, as in Consul: the workbench has
// to show a hostile ID safely anyway.
func checkID(what, id string) error {
	if id == "" {
		return fmt.Errorf("%w: missing %s", ErrBadRequest, what)
	}
	if err := checkText(what, id); err != nil {
		return err
	}
	for seg := range strings.SplitSeq(id, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("%w: invalid %s %q: an ID may not have an empty, \".\" or \"..\" segment between slashes", ErrBadRequest, what, clip(id))
		}
	}
	return nil
}

// checkName validates a service name: not empty, at most maxNameLen bytes
// of UTF-8 without NUL. Other control characters pass, as Consul lets them
// (it only warns about names DNS cannot carry): every reader of a registry,
// the workbench first, has to show a hostile name safely anyway.
func checkName(what, s string) error {
	if s == "" {
		return fmt.Errorf("%w: missing %s", ErrBadRequest, what)
	}
	return checkText(what, s)
}

// checkText refuses text over maxNameLen bytes, invalid UTF-8 and NUL.
func checkText(what, s string) error {
	if len(s) > maxNameLen {
		return fmt.Errorf("%w: %s is %d bytes long, over the limit of %d", ErrBadRequest, what, len(s), maxNameLen)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: %s %q is not valid UTF-8", ErrBadRequest, what, clip(s))
	}
	for _, c := range s {
		if c == 0 {
			return fmt.Errorf("%w: %s %q contains %U", ErrBadRequest, what, clip(s), c)
		}
	}
	return nil
}

// checkRegistration validates the names and IDs of a registration.
func checkRegistration(name, id string, tags []string, checkIDs []string) error {
	if err := checkName("service name", name); err != nil {
		return err
	}
	if id != "" {
		if err := checkID("service ID", id); err != nil {
			return err
		}
	}
	for _, t := range tags {
		if err := checkText("tag", t); err != nil {
			return err
		}
	}
	for _, c := range checkIDs {
		if err := checkID("check ID", c); err != nil {
			return err
		}
	}
	return nil
}

// clip shortens s for an error message; %q then escapes what is left.
func clip(s string) string {
	if len(s) > 100 {
		return s[:100] + "…"
	}
	return s
}

// strictEnd reports an error when anything but white space follows the
// JSON value a decoder has read.
func strictEnd(rest io.Reader) error {
	var b [64]byte
	for {
		n, err := rest.Read(b[:])
		for _, c := range b[:n] {
			if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
				return fmt.Errorf("%w: request body has data after the JSON value", ErrBadRequest)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: reading the request body: %w", ErrBadRequest, err)
		}
	}
}
