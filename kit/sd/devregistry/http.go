package devregistry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
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
// can be mounted on any server; Close ends its blocking queries.
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
	return mux
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

// query holds the parameters common to blocking endpoints.
type query struct {
	index uint64
	wait  time.Duration
}

func parseQuery(req *http.Request) (query, error) {
	v := req.URL.Query()
	if v.Get("filter") != "" {
		return query{}, fmt.Errorf("%w: the dev registry does not support filter expressions", ErrBadRequest)
	}
	if dc := v.Get("dc"); dc != "" && dc != datacenter {
		return query{}, fmt.Errorf("no path to datacenter %q", dc)
	}
	q := query{wait: defaultWait}
	if s := v.Get("index"); s != "" {
		i, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return query{}, fmt.Errorf("%w: invalid index %q", ErrBadRequest, s)
		}
		q.index = i
	}
	if s := v.Get("wait"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return query{}, fmt.Errorf("%w: invalid wait time %q", ErrBadRequest, s)
		}
		q.wait = min(d, maxWait)
	}
	return q, nil
}

// await blocks while the watched index is at most q.index, as a Consul
// blocking query does: until a change, the wait time (plus up to 1/16 of
// it as jitter), the client going away, or the registry closing. cur runs
// under r.mu and returns the current index and the channel closed when it
// moves.
func (r *Registry) await(ctx context.Context, q query, cur func() (uint64, chan struct{})) {
	if q.index == 0 {
		return
	}
	timer := time.NewTimer(q.wait + rand.N(q.wait/16+1))
	defer timer.Stop()
	for {
		r.mu.Lock()
		idx, ch := cur()
		r.mu.Unlock()
		if idx > q.index {
			return
		}
		select {
		case <-ch:
		case <-timer.C:
			return
		case <-ctx.Done():
			return
		case <-r.closing:
			return
		}
	}
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
	tags := req.URL.Query()["tag"]
	r.await(req.Context(), q, func() (uint64, chan struct{}) {
		if t := r.names[name]; t != nil {
			return t.index, t.ch
		}
		return r.newNames.index, r.newNames.ch
	})

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
	r.await(req.Context(), q, func() (uint64, chan struct{}) { return r.catalog.index, r.catalog.ch })
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

func decodeBody(w http.ResponseWriter, req *http.Request, v any) error {
	body := http.MaxBytesReader(w, req.Body, maxBody)
	dec := json.NewDecoder(body)
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: request body is empty", ErrBadRequest)
		}
		return fmt.Errorf("%w: request decode failed: %w", ErrBadRequest, err)
	}
	return nil
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
	case errors.Is(err, ErrBadRequest):
		code = http.StatusBadRequest
	case errors.Is(err, ErrNotFound):
		code = http.StatusNotFound
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, err.Error())
}
