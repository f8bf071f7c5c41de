// Package panictest is what the transports' tests share to check the
// panic policy of kit/transport: a policy whose log and counter they can
// read, and the checks every transport must pass. It does not import
// testing, so that kit's product packages stay free of it.
package panictest

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/kitbench/kitbench/kit/metrics"
	"github.com/kitbench/kitbench/kit/tracing"
	"github.com/kitbench/kitbench/kit/transport"
	"github.com/prometheus/client_golang/prometheus"
)

// Secret is the panic value the tests use: it must reach neither the
// caller nor, unless the policy asks for values, the log.
const Secret = "panic-secret-4f7c1e: password=hunter2"

// Recorder is a transport.PanicPolicy whose log and counter a test reads.
type Recorder struct {
	Policy *transport.PanicPolicy
	reg    *prometheus.Registry
	mu     sync.Mutex
	buf    bytes.Buffer
}

// New returns a Recorder whose policy logs values when logValues is set.
func New(logValues bool) (*Recorder, error) {
	r := &Recorder{reg: prometheus.NewRegistry()}
	c, err := metrics.NewPanicCounter(r.reg)
	if err != nil {
		return nil, err
	}
	r.Policy = &transport.PanicPolicy{
		Logger:    slog.New(slog.NewTextHandler(r, nil)),
		LogValues: logValues,
		Counter:   c,
		MarkSpan:  tracing.MarkPanicked,
	}
	return r, nil
}

// Write implements io.Writer for the policy's log handler.
func (r *Recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.Write(p)
}

// Log returns what the policy logged so far.
func (r *Recorder) Log() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.String()
}

// Count returns kit_panics_total for endpoint and transport.
func (r *Recorder) Count(endpoint, transportName string) (float64, error) {
	mfs, err := r.reg.Gather()
	if err != nil {
		return 0, err
	}
	for _, mf := range mfs {
		if mf.GetName() != metrics.PanicsTotal {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["endpoint"] == endpoint && labels["transport"] == transportName {
				return m.GetCounter().GetValue(), nil
			}
		}
	}
	return 0, nil
}

// Check returns an error unless the policy logged exactly n panics, each
// with a stack that shows frame (a function on the panicking path), with
// the Secret only if the policy logs values, and counted n panics for
// endpoint and transport.
func (r *Recorder) Check(n int, frame, endpoint, transportName string) error {
	log := r.Log()
	var problems []string
	if got := strings.Count(log, "recovered a panic"); got != n {
		problems = append(problems, fmt.Sprintf("logged %d panics, want %d", got, n))
	}
	if n > 0 && !strings.Contains(log, frame) {
		problems = append(problems, "the stack does not show "+frame)
	}
	if has := strings.Contains(log, Secret); has != r.Policy.LogValues {
		problems = append(problems, fmt.Sprintf("the log holds the panic value: %v, want %v", has, r.Policy.LogValues))
	}
	got, err := r.Count(endpoint, transportName)
	if err != nil {
		return err
	}
	if got != float64(n) {
		problems = append(problems, fmt.Sprintf("%s{endpoint=%q,transport=%q} = %v, want %d", metrics.PanicsTotal, endpoint, transportName, got, n))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s\nlog:\n%s", strings.Join(problems, "; "), log)
	}
	return nil
}
