package introspect

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"strings"
	"time"
	"unicode"
)

// ControlsPath is where the controls live on the admin listener: GET it
// for the ControlList, PUT or POST a ControlRequest to
// ControlsPath/{kind}/{target} (ControlsPath/drain for a drain) to set
// one, DELETE that path to clear it, DELETE ControlsPath to clear them
// all. See docs/introspection.md.
const ControlsPath = PathPrefix + "/controls"

// maxControlBody caps a control request's body.
const maxControlBody = 64 << 10

// maxActor caps the ActorHeader value recorded.
const maxActor = 80

// serveControls answers ControlsPath (rest "") and what is below it.
func (h *Handler) serveControls(w http.ResponseWriter, r *http.Request, rest string) {
	if rest == "" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		writeJSON(w, http.StatusOK, h.controlList())
		return
	}
	allow := "PUT, POST, DELETE"
	if rest == "" {
		allow = "GET, HEAD, DELETE"
	}
	write := r.Method == http.MethodDelete || (rest != "" && (r.Method == http.MethodPut || r.Method == http.MethodPost))
	if !write {
		w.Header().Set("Allow", allow)
		writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed here; use "+allow, "")
		return
	}
	if !h.writeAllowed(w, r) {
		return
	}
	by, from := actor(r), r.RemoteAddr
	if rest == "" {
		writeJSON(w, http.StatusOK, h.ctl.clearAll(h.reg, by, from))
		return
	}
	kind, target, _ := strings.Cut(rest, "/")
	switch {
	case kind != ControlFault && kind != ControlBreaker && kind != ControlLimiter && kind != ControlDrain:
		writeError(w, http.StatusNotFound, "no control kind "+quote(kind)+"; the kinds are fault, breaker, limiter and drain", "")
		return
	case kind == ControlDrain && target != "":
		writeError(w, http.StatusNotFound, "a drain has no target: use "+ControlsPath+"/drain", "")
		return
	case kind != ControlDrain && target == "":
		writeError(w, http.StatusNotFound, "a "+kind+" control needs a target: "+ControlsPath+"/"+kind+"/NAME", "")
		return
	}
	if r.Method == http.MethodDelete {
		change, ok := h.ctl.clear(h.reg, controlKey(kind, target), by, from)
		if !ok {
			writeError(w, http.StatusNotFound, "no "+kind+" control in force on "+quote(target), "")
			return
		}
		writeJSON(w, http.StatusOK, change)
		return
	}
	req, param, msg := decodeControl(r, kind)
	if param != "" {
		status := http.StatusBadRequest
		if param == "Content-Type" {
			status = http.StatusUnsupportedMediaType
		}
		writeError(w, status, msg, param)
		return
	}
	ttl := time.Duration(req.TTL)
	switch {
	case ttl < 0:
		writeError(w, http.StatusBadRequest, "ttl must not be negative", "ttl")
		return
	case ttl > h.ctl.pol.MaxTTL:
		writeError(w, http.StatusBadRequest, "ttl "+ttl.String()+" is above this instance's maximum of "+h.ctl.pol.MaxTTL.String(), "ttl")
		return
	case ttl == 0:
		ttl = h.ctl.pol.DefaultTTL
	}
	now := time.Now()
	ctl := Control{Kind: kind, Target: target, Fault: req.Fault, Breaker: req.Breaker, Limit: req.Limit,
		SetAt: now, Until: now.Add(ttl), By: by, From: from}
	change, err := h.ctl.set(r.Context(), h.reg, ctl, ttl)
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, change)
	case errors.Is(err, ErrNoTarget):
		writeError(w, http.StatusNotFound, err.Error(), "")
	case errors.Is(err, ErrClosed):
		writeError(w, http.StatusServiceUnavailable, err.Error(), "")
	case kind == ControlDrain:
		// The registry could not be reached: not the caller's fault, and
		// the message names the registry, not secrets.
		writeError(w, http.StatusBadGateway, "drain failed: "+err.Error(), "")
	default:
		writeError(w, http.StatusBadRequest, err.Error(), kind)
	}
}

// controlList answers GET ControlsPath.
func (h *Handler) controlList() ControlList {
	l := ControlList{Controls: []Control{}, DefaultTTL: Duration(DefaultControlTTL), MaxTTL: Duration(MaxControlTTL)}
	h.reg.controlTargetsList(&l)
	if h.ctl != nil {
		l.Enabled = !h.ctl.isClosed()
		l.DefaultTTL, l.MaxTTL = Duration(h.ctl.pol.DefaultTTL), Duration(h.ctl.pol.MaxTTL)
		l.Controls = h.ctl.list()
	}
	return l
}

// writeAllowed answers 403 (and returns false) for a write the handler
// must refuse: controls not enabled, or a connection to a non-loopback
// address without ControlPolicy.AllowNonLoopback.
func (h *Handler) writeAllowed(w http.ResponseWriter, r *http.Request) bool {
	if h.ctl == nil {
		writeError(w, http.StatusForbidden, "controls are disabled on this instance: the service must enable them (introspect.WithControls, or kit/instance's Config.Controls)", "")
		return false
	}
	if !h.ctl.pol.AllowNonLoopback && !loopbackConn(r) {
		writeError(w, http.StatusForbidden, "controls are refused on a non-loopback admin listener: listen on 127.0.0.1, or allow it with ControlPolicy.AllowNonLoopback (and a bearer token)", "")
		return false
	}
	return true
}

// loopbackConn reports whether r arrived on a connection to a loopback
// address. A request whose local address is unknown is not.
func loopbackConn(r *http.Request) bool {
	a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return false
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// decodeControl reads r's body as the ControlRequest of a kind control.
// A problem comes back as the parameter to name and a message.
func decodeControl(r *http.Request, kind string) (req ControlRequest, param, msg string) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		// A browser sends a cross-site form as text/plain without asking
		// first; insisting on JSON makes it ask (CORS), and it is refused.
		return req, "Content-Type", "the body must be JSON, sent with Content-Type: application/json"
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxControlBody+1))
	if err != nil {
		return req, "body", "cannot read the body: " + err.Error()
	}
	if len(body) > maxControlBody {
		return req, "body", "the body is over 64 KiB"
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	var raw json.RawMessage
	fields := map[string]any{"ttl": &req.TTL}
	switch kind {
	case ControlFault:
		fields["fault"] = &raw
	case ControlBreaker:
		fields["breaker"] = &req.Breaker
	case ControlLimiter:
		fields["limit"] = &raw
	}
	if param, msg := decodeFields(body, "", fields); param != "" {
		return req, param, msg
	}
	switch kind {
	case ControlFault:
		if raw == nil {
			return req, "fault", "a fault control needs a \"fault\" object"
		}
		f := new(Fault)
		if param, msg := decodeFields(raw, "fault.", map[string]any{
			"latency": &f.Latency, "latency_max": &f.LatencyMax, "error_rate": &f.ErrorRate,
			"error_status": &f.ErrorStatus, "abort_rate": &f.AbortRate, "stream_after": &f.StreamAfter,
		}); param != "" {
			return req, param, msg
		}
		if param, msg := f.problem(); param != "" {
			return req, param, param + " " + msg
		}
		req.Fault = f
	case ControlBreaker:
		if req.Breaker != BreakerForceOpen && req.Breaker != BreakerForceClosed && req.Breaker != BreakerReset {
			return req, "breaker", `breaker must be "open", "closed" or "reset"`
		}
	case ControlLimiter:
		if raw == nil {
			return req, "limit", "a limiter control needs a \"limit\" object with a rate"
		}
		l := new(Limit)
		if param, msg := decodeFields(raw, "limit.", map[string]any{"rate": &l.Rate, "burst": &l.Burst}); param != "" {
			return req, param, msg
		}
		if !(l.Rate > 0) || l.Rate > 1e9 {
			return req, "limit.rate", "limit.rate must be a positive number of calls per second"
		}
		if l.Burst < 0 {
			return req, "limit.burst", "limit.burst must not be negative"
		}
		req.Limit = l
	}
	return req, "", ""
}

// decodeFields decodes the JSON object b field by field into fields,
// so that a problem names its field (prefix + name): not an object, an
// unknown field, or a value of the wrong type or form.
func decodeFields(b []byte, prefix string, fields map[string]any) (param, msg string) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil || obj == nil {
		name := strings.TrimSuffix(prefix, ".")
		if name == "" {
			return "body", "the body must be a JSON object"
		}
		return name, name + " must be a JSON object"
	}
	for name, v := range obj {
		dst, ok := fields[name]
		if !ok {
			return prefix + name, "unknown field " + quote(prefix+name)
		}
		if err := json.Unmarshal(v, dst); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return prefix + name, prefix + name + ": wrong type: " + te.Value + " where " + te.Type.String() + " belongs"
			}
			return prefix + name, prefix + name + ": " + err.Error()
		}
	}
	return "", ""
}

// actor returns r's ActorHeader, printable and at most maxActor bytes.
func actor(r *http.Request) string {
	s := strings.Map(func(c rune) rune {
		if !unicode.IsPrint(c) {
			return -1
		}
		return c
	}, r.Header.Get(ActorHeader))
	if len(s) > maxActor {
		s = strings.ToValidUTF8(s[:maxActor], "")
	}
	return s
}

// quote quotes s for an error message, shortened.
func quote(s string) string {
	if len(s) > 100 {
		s = strings.ToValidUTF8(s[:100], "") + "…"
	}
	b, _ := json.Marshal(s)
	return string(b)
}
