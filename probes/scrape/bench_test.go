package scrape

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/kitbench/kitbench/kit/metrics"
)

// benchPage renders a kit-shaped page of 5 000 series in format f: 250
// endpoint/transport pairs, each with 3 codes and a histogram of kit's
// default 14 buckets (17 series). round shifts the values, so two rounds
// make a window.
func benchPage(b *testing.B, f expfmt.Format, round int) []byte {
	b.Helper()
	reg := prometheus.NewRegistry()
	req := prometheus.NewCounterVec(prometheus.CounterOpts{Name: metrics.RequestsTotal, Help: "Calls."},
		[]string{"endpoint", "transport", "code"})
	dur := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: metrics.RequestDuration, Help: "Latency.",
		Buckets: metrics.DefaultBuckets}, []string{"endpoint", "transport"})
	reg.MustRegister(req, dur)
	for i := range 125 {
		for _, tr := range []string{"http", "grpc"} {
			ep := fmt.Sprintf("Method%03d", i)
			req.WithLabelValues(ep, tr, "ok").Add(float64(1000*round + i))
			req.WithLabelValues(ep, tr, "404").Add(float64(10*round + i%5))
			req.WithLabelValues(ep, tr, "503").Add(float64(round))
			for j := range 10 * (round + 1) {
				dur.WithLabelValues(ep, tr).Observe(float64(j%40) * 0.002)
			}
		}
	}
	fams, err := reg.Gather()
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, f)
	for _, mf := range fams {
		if err := enc.Encode(mf); err != nil {
			b.Fatal(err)
		}
	}
	return buf.Bytes()
}

// staticPage serves page with content type ct.
func staticPage(ct string, page []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", ct)
		_, _ = w.Write(page)
	})
}

// BenchmarkScrape fetches and decodes a 5 000-series page over loopback:
// impl=kit is Scraper.Scrape (bounded read, series count, kit totals),
// impl=raw a plain http.Client and expfmt with no limits.
func BenchmarkScrape(b *testing.B) {
	for _, f := range []struct {
		name string
		fmt  expfmt.Format
	}{{"text", expfmt.FmtText}, {"protobuf", expfmt.FmtProtoDelim}} {
		page := benchPage(b, f.fmt, 1)
		url := serve(b, staticPage(string(f.fmt), page))
		b.Run("format="+f.name+"/impl=kit", func(b *testing.B) {
			s := New()
			defer s.Close()
			b.ReportAllocs()
			b.SetBytes(int64(len(page)))
			for b.Loop() {
				snap, err := s.Scrape(context.Background(), url)
				if err != nil || snap.Series != 5000 {
					b.Fatal(snap, err)
				}
			}
		})
		b.Run("format="+f.name+"/impl=raw", func(b *testing.B) {
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr}
			b.ReportAllocs()
			b.SetBytes(int64(len(page)))
			for b.Loop() {
				if err := rawScrape(c, url, f.fmt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func rawScrape(c *http.Client, url string, f expfmt.Format) error {
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if f == expfmt.FmtText {
		p := expfmt.NewTextParser(model.UTF8Validation)
		_, err = p.TextToMetricFamilies(resp.Body)
		return err
	}
	d := expfmt.NewDecoder(resp.Body, f)
	for {
		var mf dto.MetricFamily
		if err := d.Decode(&mf); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// BenchmarkDerive derives the figures of 250 endpoints from two
// 5 000-series snapshots.
func BenchmarkDerive(b *testing.B) {
	var sw switchHandler
	url := serve(b, &sw)
	clock := newFakeClock()
	s := clock.scraper()
	defer s.Close()
	var snaps [2]*Snapshot
	for round := range snaps {
		sw.set(staticPage(string(expfmt.FmtProtoDelim), benchPage(b, expfmt.FmtProtoDelim, round)))
		snap, err := s.Scrape(context.Background(), url)
		if err != nil {
			b.Fatal(err)
		}
		snaps[round] = snap
		clock.Advance(10e9)
	}
	if st := Derive(snaps[0], snaps[1]); len(st.Endpoints) != 250 || st.Instance.Rate == 0 || st.Instance.P99 == 0 {
		b.Fatalf("unexpected stats: %d endpoints, instance %+v", len(st.Endpoints), st.Instance)
	}
	b.ReportAllocs()
	for b.Loop() {
		Derive(snaps[0], snaps[1])
	}
}
