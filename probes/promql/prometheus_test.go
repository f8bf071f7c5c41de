package promql_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/examples/demo"
	"github.com/kitbench/kitbench/probes/discovery"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/probes/introspect"
	"github.com/kitbench/kitbench/probes/promql"
	"github.com/kitbench/kitbench/probes/scrape"
)

// window is the span both sides measure over. Prometheus extrapolates
// to the window's edges from samples up to a scrape interval (1 s) away,
// and the misbehaving instance's traffic comes in spurts (the gateway
// ejects it and lets it back): at 30 s that edge error reached 6 % of its
// rate; a minute halves it, for a 10 % bar.
const window = time.Minute

// TestPrometheusMatchesScrape runs the demo fleet on a dev registry and a
// real Prometheus (built by .ci/deps.sh) that discovers it through
// consul_sd_configs with the scrape configuration docs/prometheus.md
// gives, then checks, for every Book instance, that the Source's rate and
// failure ratio agree within 10 % with those derived from the instance's
// own /metrics over the same window; that a hub reading its metrics from
// Prometheus shows them for every Book instance it reaches directly; and
// that one it cannot reach is observed through Prometheus only.
func TestPrometheusMatchesScrape(t *testing.T) {
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		if os.Getenv("KITBENCH_REQUIRE_TOOLS") == "1" {
			t.Fatalf("prometheus not found (.ci/deps.sh builds it into .tools/bin): %v", err)
		}
		t.Skip("prometheus not installed; .ci/deps.sh builds it into .tools/bin")
	}
	if testing.Short() {
		t.Skip("runs a Prometheus server for about a minute")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*window+time.Minute)
	defer cancel()

	fleet, err := demo.Start(ctx, demo.Options{RegistryAddr: freeAddr(t), Seed: 7, Rate: 30})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer ccancel()
		_ = fleet.Close(cctx)
	})
	promURL := startPrometheus(t, bin, fleet.Registry)
	client, err := api.NewClient(api.Config{Address: promURL})
	if err != nil {
		t.Fatal(err)
	}
	papi := v1.NewAPI(client)

	// Every Book instance discovered and scraped.
	waitUntil(t, ctx, "Prometheus to scrape every Book instance", func() (bool, string) {
		v, err := query(ctx, papi, `up{service="`+bookstore.ServiceName+`"} == 1`, time.Now())
		return err == nil && len(v) == len(fleet.Books), fmt.Sprintf("%d of %d up (%v)", len(v), len(fleet.Books), err)
	})

	// Both sides over the same window: the instances' own pages at its
	// two ends, Prometheus evaluated at its end.
	s := scrape.New()
	defer s.Close()
	snaps := func() map[string]*scrape.Snapshot {
		out := map[string]*scrape.Snapshot{}
		for _, b := range fleet.Books {
			snap, err := s.Scrape(ctx, "http://"+b.AdminAddr+"/metrics")
			if err != nil {
				t.Fatal(err)
			}
			out[b.InstanceID] = snap
		}
		return out
	}
	before := snaps()
	select {
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	case <-time.After(window):
	}
	after := snaps()
	end := after[fleet.Books[0].InstanceID].Time
	// Prometheus must hold samples past the window's end before it is
	// asked about it.
	waitUntil(t, ctx, "Prometheus to scrape past the window", func() (bool, string) {
		v, err := query(ctx, papi, `min(timestamp(up{service="`+bookstore.ServiceName+`"}))`, time.Now())
		if err != nil || len(v) != 1 {
			return false, fmt.Sprint(v, err)
		}
		return float64(v[0].Value) > float64(end.Add(time.Second).UnixMilli())/1000, fmt.Sprint("latest sample at ", v[0].Value)
	})

	src, err := promql.New(promql.Options{URL: promURL, Window: window})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	got, err := src.Fetch(ctx, end)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range fleet.Books {
		want := scrape.Derive(before[b.InstanceID], after[b.InstanceID]).Instance
		fig, ok := got.Lookup(bookstore.ServiceName, b.InstanceID, "http://"+b.AdminAddr)
		if !ok {
			t.Errorf("%s: Prometheus has no figures for it; targets %v", b.InstanceID, got.Targets)
			continue
		}
		have := fig.Stats.Instance
		t.Logf("%s: rate %.2f/s (scrape %.2f/s), failure ratio %.3f (scrape %.3f), p99 %v (scrape %v)",
			b.InstanceID, have.Rate, want.Rate, have.FailureRatio, want.FailureRatio, have.P99, want.P99)
		if want.Rate <= 0 {
			t.Errorf("%s: no traffic in the window", b.InstanceID)
		}
		if math.Abs(have.Rate-want.Rate) > 0.10*want.Rate {
			t.Errorf("%s: rate %.2f/s from Prometheus, %.2f/s from the instance: more than 10 %% apart", b.InstanceID, have.Rate, want.Rate)
		}
		// A ratio near zero is compared to one percentage point, 10 % of 0.1.
		if math.Abs(have.FailureRatio-want.FailureRatio) > 0.10*max(want.FailureRatio, 0.1) {
			t.Errorf("%s: failure ratio %.3f from Prometheus, %.3f from the instance", b.InstanceID, have.FailureRatio, want.FailureRatio)
		}
		if !fig.Up || len(fig.Stats.Breakers) != len(scrape.Derive(nil, after[b.InstanceID]).Breakers) {
			t.Errorf("%s: up %v, breakers %v", b.InstanceID, fig.Up, fig.Stats.Breakers)
		}
	}

	// The hub with Prometheus as its metrics source: figures for every
	// Book instance, each observed directly.
	for _, partition := range []bool{false, true} {
		h := startHub(t, ctx, fleet.Registry, promURL, partition)
		for _, b := range fleet.Books {
			in := instance(h, b.InstanceID)
			if in.Metrics == nil || in.Metrics.Err != "" || in.Metrics.Stats.Instance.Rate <= 0 {
				t.Errorf("partition %v: %s metrics = %+v", partition, b.InstanceID, in.Metrics)
			}
			wantIntro := hub.IntroStream
			if partition {
				wantIntro = hub.IntroPrometheus
			}
			if in.State != hub.StateUp || in.Intro != wantIntro {
				t.Errorf("partition %v: %s is %s, observed by %q (%s); want up, %q", partition, b.InstanceID, in.State, in.Intro, in.Err, wantIntro)
			}
		}
		h.Close()
	}
}

// startHub watches the registry with Prometheus as the metrics source
// and waits until it has settled (and, cut off by a partition, until the
// direct probes have failed); partition gives it an HTTP client that
// reaches nothing, as if the instances were on another network.
func startHub(t *testing.T, ctx context.Context, registry, promURL string, partition bool) *hub.Hub {
	t.Helper()
	opts := introspect.Options{}
	if partition {
		// A fake: loopback cannot cut the workbench off from an instance
		// that Prometheus still reaches.
		opts.HTTPClient = &http.Client{Transport: &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) {
			return nil, errors.New("partitioned (test)")
		}}}
	}
	ps, err := promql.New(promql.Options{URL: promURL, Window: window})
	if err != nil {
		t.Fatal(err)
	}
	h, err := hub.New(hub.Options{Discovery: discovery.Options{Consul: registry}, Introspect: opts, Metrics: hub.PromQL(ps)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	waitUntil(t, ctx, "the hub to observe every instance", func() (bool, string) {
		_ = h.WaitSettled(ctx)
		snap := h.Snapshot()
		for _, in := range snap.Instances {
			if in.Metrics == nil || in.State == hub.StateStarting || (partition && in.Intro != hub.IntroPrometheus) {
				return false, fmt.Sprintf("%s: %s %q %+v", in.Key, in.State, in.Intro, in.Metrics)
			}
		}
		return len(snap.Instances) > 0, "no instances"
	})
	return h
}

func instance(h *hub.Hub, id string) hub.InstanceState {
	for _, in := range h.Snapshot().Instances {
		if in.InstanceID == id {
			return in
		}
	}
	return hub.InstanceState{}
}

// startPrometheus runs bin on a free loopback port, scraping every second
// what the registry lists, with the scrape configuration of
// docs/prometheus.md, and returns its URL once it answers.
func startPrometheus(t *testing.T, bin, registry string) string {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "prometheus.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```yaml\n(scrape_configs:.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/prometheus.md has no ```yaml block starting with scrape_configs:")
	}
	cfg := strings.Replace(string(m[1]), "server: 127.0.0.1:8500", "server: "+registry, 1)
	if cfg == string(m[1]) {
		t.Fatal("docs/prometheus.md's scrape configuration no longer names server: 127.0.0.1:8500")
	}
	cfg = "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n" + cfg
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+addr,
		"--enable-feature=created-timestamp-zero-ingestion")
	out, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }() // ends when the process does
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		out.Close()
		if t.Failed() {
			log, _ := os.ReadFile(out.Name())
			t.Logf("prometheus output:\n%s", log)
		}
	})
	url := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				http.DefaultClient.CloseIdleConnections()
				return url
			}
		}
		select {
		case <-exited:
			t.Fatal("prometheus exited before it was ready")
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus not ready at %s within 30 s: %v", url, err)
		}
	}
}

func query(ctx context.Context, papi v1.API, q string, at time.Time) (model.Vector, error) {
	v, _, _, err := papi.Query(ctx, q, at)
	if err != nil {
		return nil, err
	}
	vec, _ := v.(model.Vector)
	return vec, nil
}

// waitUntil polls ok every 200 ms until it holds or ctx ends, then fails
// with ok's last word.
func waitUntil(t *testing.T, ctx context.Context, what string, ok func() (bool, string)) {
	t.Helper()
	for {
		done, why := ok()
		if done {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v (%s)", what, ctx.Err(), why)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}
