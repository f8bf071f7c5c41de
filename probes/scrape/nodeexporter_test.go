package scrape

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/kitbench/kitbench/internal/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// TestScrapeNodeExporter scrapes a real third-party exporter: Debian's
// prometheus-node-exporter (installed by .ci/deps.sh), started on a free
// loopback port with a few cheap collectors and a textfile the test
// writes, so one value is known exactly.
func TestScrapeNodeExporter(t *testing.T) {
	bin := testutil.NeedTool(t, "prometheus-node-exporter")
	dir := t.TempDir()
	prom := "# HELP kitbench_textfile_value Written by the scrape test.\n# TYPE kitbench_textfile_value gauge\nkitbench_textfile_value{source=\"test\"} 42\n"
	if err := os.WriteFile(filepath.Join(dir, "kitbench.prom"), []byte(prom), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := testutil.FreeAddr(t)
	cmd := exec.Command(bin,
		"--web.listen-address="+addr,
		"--collector.disable-defaults",
		"--collector.loadavg", "--collector.meminfo", "--collector.time",
		"--collector.textfile", "--collector.textfile.directory="+dir,
	)
	out, err := os.CreateTemp(dir, "exporter-*.log")
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
		if t.Failed() {
			log, _ := os.ReadFile(out.Name())
			t.Logf("exporter output:\n%s", log)
		}
	})

	clock := newFakeClock()
	s := clock.scraper()
	defer s.Close()
	url := "http://" + addr + "/metrics"
	first := waitScrape(t, s, url, exited)
	clock.Advance(time.Second)
	snap, err := s.Scrape(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("node exporter: %d families, %d series, %d bytes, %s", len(snap.Families()), snap.Series, snap.Bytes, snap.Format)

	tf := snap.Family("kitbench_textfile_value")
	if tf == nil || tf.GetType() != dto.MetricType_GAUGE || len(tf.GetMetric()) != 1 ||
		tf.GetMetric()[0].GetGauge().GetValue() != 42 || label(tf.GetMetric()[0], "source") != "test" {
		t.Fatalf("kitbench_textfile_value = %v, want one gauge 42{source=test}", tf)
	}
	for name, typ := range map[string]dto.MetricType{
		"node_load1":                    dto.MetricType_GAUGE,
		"node_memory_MemTotal_bytes":    dto.MetricType_GAUGE,
		"node_scrape_collector_success": dto.MetricType_GAUGE,
		"go_goroutines":                 dto.MetricType_GAUGE,
		"process_cpu_seconds_total":     dto.MetricType_COUNTER,
		"go_gc_duration_seconds":        dto.MetricType_SUMMARY,
	} {
		f := snap.Family(name)
		if f == nil || f.GetType() != typ || len(f.GetMetric()) == 0 {
			t.Errorf("%s = %v, want a %v", name, f, typ)
		}
	}
	if v := snap.Family("node_memory_MemTotal_bytes").GetMetric()[0].GetGauge().GetValue(); v <= 0 {
		t.Errorf("MemTotal %v, want > 0", v)
	}
	if st := Derive(first, snap); st.Kit {
		t.Errorf("node exporter reported as a kit service: %+v", st)
	}

	// The same exporter asked for the text format only: the page is
	// decoded as text and holds the same families.
	tr := acceptText{&http.Transport{}}
	defer tr.t.CloseIdleConnections()
	ts := New(WithClient(&http.Client{Transport: tr}))
	text, err := ts.Scrape(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	if text.Format.FormatType() != expfmt.TypeTextPlain {
		t.Fatalf("format %s, want text", text.Format)
	}
	if got, want := names(text), names(snap); !slices.Equal(got, want) {
		t.Errorf("text families %v\nprotobuf families %v", got, want)
	}
	if v := text.Family("kitbench_textfile_value").GetMetric()[0].GetGauge().GetValue(); v != 42 {
		t.Errorf("text: kitbench_textfile_value %v, want 42", v)
	}
}

// acceptText is a client transport that asks for the text format only.
type acceptText struct{ t *http.Transport }

func (a acceptText) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Accept", "text/plain;version=0.0.4")
	return a.t.RoundTrip(r)
}

func names(s *Snapshot) []string {
	var out []string
	for _, f := range s.Families() {
		out = append(out, f.GetName())
	}
	return out
}

// waitScrape scrapes url until the exporter answers, for at most 10 s,
// failing early if the process exits.
func waitScrape(t *testing.T, s *Scraper, url string, exited <-chan struct{}) *Snapshot {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		snap, err := s.Scrape(context.Background(), url)
		if err == nil {
			return snap
		}
		if time.Now().After(deadline) {
			t.Fatalf("node exporter did not answer within 10 s: %v", err)
		}
		select {
		case <-exited:
			t.Fatalf("node exporter exited before answering: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
