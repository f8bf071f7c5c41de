package scrape

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"
)

// TestScrapePlainClientGolang reads a registry that knows nothing of
// kit: Go runtime metrics, a labelled gauge, a summary and a histogram.
func TestScrapePlainClientGolang(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector())
	temp := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "room_temperature_celsius", Help: "Temperature."}, []string{"room"})
	sum := prometheus.NewSummary(prometheus.SummaryOpts{Name: "job_seconds", Help: "Jobs.", Objectives: map[float64]float64{0.5: 0.01}})
	hist := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "size_bytes", Help: "Sizes.", Buckets: []float64{10, 100}})
	reg.MustRegister(temp, sum, hist)
	temp.WithLabelValues("kitchen").Set(21.5)
	temp.WithLabelValues("cellar").Set(12)
	sum.Observe(3)
	hist.Observe(50)
	hist.Observe(500)

	s := New()
	defer s.Close()
	snap, err := s.Scrape(context.Background(), serveRegistry(t, reg))
	if err != nil {
		t.Fatal(err)
	}
	if g := snap.Family("go_goroutines"); g == nil || g.GetType() != dto.MetricType_GAUGE || g.GetMetric()[0].GetGauge().GetValue() < 1 {
		t.Fatalf("go_goroutines = %v, want a gauge of at least 1", g)
	}
	rooms := map[string]float64{}
	for _, m := range snap.Family("room_temperature_celsius").GetMetric() {
		rooms[label(m, "room")] = m.GetGauge().GetValue()
	}
	if len(rooms) != 2 || rooms["kitchen"] != 21.5 || rooms["cellar"] != 12 {
		t.Fatalf("rooms %v", rooms)
	}
	if q := snap.Family("job_seconds").GetMetric()[0].GetSummary(); q.GetSampleCount() != 1 || q.GetQuantile()[0].GetValue() != 3 {
		t.Fatalf("summary %v", q)
	}
	h, ok := classic(snap.Family("size_bytes").GetMetric()[0].GetHistogram(), nil)
	if !ok || len(h.bounds) != 3 || h.counts[0] != 0 || h.counts[1] != 1 || h.counts[2] != 2 {
		t.Fatalf("histogram %+v, want 0/1/2 with +Inf added", h)
	}
	fams := snap.Families()
	for i := 1; i < len(fams); i++ {
		if fams[i-1].GetName() >= fams[i].GetName() {
			t.Fatalf("families not sorted: %s before %s", fams[i-1].GetName(), fams[i].GetName())
		}
	}
	if st := Derive(nil, snap); st.Kit || len(st.Endpoints) != 0 {
		t.Fatalf("Derive on a non-kit page = %+v, want Kit false", st)
	}
	if c := snap.Compact(); c.Families() != nil || c.Series != snap.Series {
		t.Fatal("Compact kept the families or lost the metadata")
	}
}
