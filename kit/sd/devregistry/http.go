package devregistry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/hashicorp/consul/api"
)

// Blocking-query limits, as Consul documents them.
const (
	defaultWait = 5 * time.Minute
	maxWait     = 10 * time.Minute
	maxBody     = 1 << 20
)

// Handler returns the HTTP handler that serves the Consul API subset. It
// can be mounted on any server; Close ends its blocking queries. It
// answers 403 to a Host that does not name the registry (see
// Options.AllowedHosts) and to a write from another origin, and 400 to a
// path with empty, "." or ".." segments.
func (r *Registry) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /v1/agent/service/register", r.handleRegister)
	mux.HandleFunc("PUT /v1/agent/service/deregister/{id...}", r.handleDeregister)
	for verb, status := range map[string]string{"pass": api.HealthPassing, "warn": api.HealthWarning, "fail": api.HealthCritical} {
		mux.HandleFunc("PUT /v1/agent/check/"+verb+"/{id...}", func(w http.ResponseWriter, req *http.Request) {
			writeErr(w, r.updateCheck(req.PathValue("id"), status, req.URL.Query().Get("note")))
		})
	}
	mux.HandleFunc("PUT /v1/agent/check/update/{id...}", r.handleCheckUpdate)
	mux.HandleFunc("GET /v1/health/service/{service}", r.handleHealthService)
	mux.HandleFunc("GET /v1/catalog/services", r.handleCatalogServices)
	mux.HandleFunc("GET /v1/agent/services", r.handleAgentServices)
	mux.HandleFunc("GET /v1/agent/self", r.handleAgentSelf)
	mux.HandleFunc("GET /v1/status/leader", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, "127.0.0.1:8300")
	})
	return r.guard(mux)
}

func (r *Registry) handleRegister(w http.ResponseWriter, req *http.Request) {
	var reg api.AgentServiceRegistration
	if err := decodeBody(w, req, &reg); err != nil {
		writeErr(w, err)
		return
	}
	replace, err := boolParam(req, "replace-existing-checks")
	if err != nil {
		writeErr(w, err)
		return
	}
	writeErr(w, r.register(&reg, replace))
}

func (r *Registry) handleDeregister(w http.ResponseWriter, req *http.Request) {
	writeErr(w, r.deregister(req.PathValue("id")))
}

func (r *Registry) handleCheckUpdate(w http.ResponseWriter, req *http.Request) {
	var u struct{ Status, Output string }
	if err := decodeBody(w, req, &u); err != nil {
		writeErr(w, err)
		return
	}
	writeErr(w, r.updateCheck(req.PathValue("id"), u.Status, u.Output))
}

func (r *Registry) handleHealthService(w http.ResponseWriter, req *http.Request) {
	q, err := parseQuery(req)
	if err != nil {
		writeErr(w, err)
		return
	}
	passing, err := boolParam(req, "passing")
	if err != nil {
		writeErr(w, err)
		return
	}
	name := req.PathValue("service")
	if err := checkName("service name", name); err != nil {
		writeErr(w, err)
		return
	}
	tags := req.URL.Query()["tag"]
	err = r.await(req.Context(), q, func() (uint64, chan struct{}) {
		if t := r.names[name]; t != nil {
			return t.index, t.ch
		}
		return r.newNames.index, r.newNames.ch
	})
	if err != nil {
		writeErr(w, err)
		return
	}

	slot := 0
	if passing {
		slot = 1
	}
	r.mu.Lock()
	t := r.names[name]
	if t == nil {
		idx := r.newNames.index
		r.mu.Unlock()
		writeIndexed(w, idx, []byte("[]\n"))
		return
	}
	idx := t.index
	if body := t.cache[slot]; body != nil && len(tags) == 0 {
		r.mu.Unlock()
		writeIndexed(w, idx, body)
		return
	}
	entries := r.entriesLocked(t, passing, tags)
	r.mu.Unlock()

	body, err := encode(entries)
	if err != nil {
		writeErr(w, err)
		return
	}
	if len(tags) == 0 {
		r.mu.Lock()
		if t.index == idx {
			t.cache[slot] = body
		}
		r.mu.Unlock()
	}
	writeIndexed(w, idx, body)
}

// entriesLocked builds the health response for t. It copies every value it
// reads so encoding can run without the lock.
func (r *Registry) entriesLocked(t *topic, passing bool, tags []string) []*api.ServiceEntry {
	node := &api.Node{
		ID: nodeID, Node: nodeName, Address: "127.0.0.1", Datacenter: datacenter,
		TaggedAddresses: map[string]string{"lan": "127.0.0.1", "wan": "127.0.0.1"},
		Meta:            map[string]string{},
		CreateIndex:     r.catalog.index, ModifyIndex: r.catalog.index,
	}
	serf := &api.HealthCheck{
		Node: nodeName, CheckID: serfCheck, Name: "Serf Health Status", Status: api.HealthPassing,
		Output: "Agent alive and reachable", ServiceTags: []string{},
	}
	out := make([]*api.ServiceEntry, 0, len(t.ids))
	for _, s := range t.ids {
		if !hasTags(s.svc.Tags, tags) {
			continue
		}
		e := &api.ServiceEntry{Node: node, Checks: make(api.HealthChecks, 0, 1+len(s.checks))}
		e.Checks = append(e.Checks, serf)
		ok := true
		for _, c := range s.checks {
			hc := c.hc
			ok = ok && hc.Status == api.HealthPassing
			e.Checks = append(e.Checks, &hc)
		}
		if passing && !ok {
			continue
		}
		svc := s.svc
		e.Service = &svc
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b *api.ServiceEntry) int {
		if a.Service.ID < b.Service.ID {
			return -1
		}
		if a.Service.ID > b.Service.ID {
			return 1
		}
		return 0
	})
	return out
}

func hasTags(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

func (r *Registry) handleCatalogServices(w http.ResponseWriter, req *http.Request) {
	q, err := parseQuery(req)
	if err != nil {
		writeErr(w, err)
		return
	}
	if err := r.await(req.Context(), q, func() (uint64, chan struct{}) { return r.catalog.index, r.catalog.ch }); err != nil {
		writeErr(w, err)
		return
	}
	r.mu.Lock()
	idx := r.catalog.index
	out := make(map[string][]string, len(r.names))
	for name, t := range r.names {
		if len(t.ids) == 0 {
			continue
		}
		tags := []string{}
		for _, s := range t.ids {
			for _, tag := range s.svc.Tags {
				if !slices.Contains(tags, tag) {
					tags = append(tags, tag)
				}
			}
		}
		slices.Sort(tags)
		out[name] = tags
	}
	r.mu.Unlock()
	body, err := encode(out)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeIndexed(w, idx, body)
}

func (r *Registry) handleAgentServices(w http.ResponseWriter, req *http.Request) {
	if req.URL.Query().Get("filter") != "" {
		writeErr(w, fmt.Errorf("%w: the dev registry does not support filter expressions", ErrBadRequest))
		return
	}
	r.mu.Lock()
	out := make(map[string]*api.AgentService, len(r.services))
	for id, s := range r.services {
		svc := s.svc
		svc.CreateIndex, svc.ModifyIndex, svc.Datacenter = 0, 0, ""
		out[id] = &svc
	}
	r.mu.Unlock()
	writeJSON(w, out)
}

func (r *Registry) handleAgentSelf(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, map[string]map[string]any{
		"Config": {
			"Datacenter": datacenter, "NodeName": nodeName, "NodeID": nodeID,
			"Server": true, "Revision": "", "Version": "devregistry",
		},
		"Member": {"Name": nodeName, "Addr": "127.0.0.1", "Port": 8301, "Status": 1, "Tags": map[string]string{"dc": datacenter, "role": "devregistry"}},
		"Meta":   {},
	})
}

func boolParam(req *http.Request, name string) (bool, error) {
	v := req.URL.Query()
	if !v.Has(name) {
		return false, nil
	}
	s := v.Get(name)
	if s == "" {
		return true, nil // "?passing" alone means true, as in Consul
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf("%w: invalid value %q for ?%s", ErrBadRequest, s, name)
	}
	return b, nil
}

// decodeBody decodes one JSON value from the body into v; anything but
// white space after it is an error, as is a body over maxBody.
func decodeBody(w http.ResponseWriter, req *http.Request, v any) error {
	body := http.MaxBytesReader(w, req.Body, maxBody)
	dec := json.NewDecoder(body)
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: request body is empty", ErrBadRequest)
		}
		return fmt.Errorf("%w: request decode failed: %w", ErrBadRequest, err)
	}
	return strictEnd(io.MultiReader(dec.Buffered(), body))
}

func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeIndexed(w http.ResponseWriter, idx uint64, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Consul-Index", strconv.FormatUint(idx, 10))
	h.Set("X-Consul-KnownLeader", "true")
	h.Set("X-Consul-LastContact", "0")
	h.Set("X-Consul-Effective-Consistency", "leader")
	_, _ = w.Write(body)
}

func writeJSON(w http.ResponseWriter, v any) {
	body, err := encode(v)
	if err != nil {
		writeErr(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// writeErr answers a write endpoint: 200 with an empty body, or the error
// as text with the status Consul uses for it.
func writeErr(w http.ResponseWriter, err error) {
	if err == nil {
		return
	}
	code := http.StatusInternalServerError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		code = http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrForbidden):
		code = http.StatusForbidden
	case errors.Is(err, ErrTooManyQueries):
		code = http.StatusTooManyRequests
		w.Header().Set("Retry-After", "1")
	case errors.Is(err, ErrBadRequest):
		code = http.StatusBadRequest
	case errors.Is(err, ErrNotFound):
		code = http.StatusNotFound
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, err.Error())
}
