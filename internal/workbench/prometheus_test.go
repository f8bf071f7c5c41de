package workbench

import (
	"errors"
	"testing"

	"github.com/kitbench/kitbench/probes/promql"
)

func TestMetricsSourceFromFlagOrEnvironment(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == PrometheusEnv {
				return v
			}
			return ""
		}
	}
	if ms, err := MetricsSource("", env("")); ms != nil || err != nil {
		t.Fatalf("neither flag nor environment: %v, %v; want scraping (nil)", ms, err)
	}
	ms, err := MetricsSource("", env("http://127.0.0.1:9090"))
	if err != nil || ms == nil || ms.String() != "Prometheus at http://127.0.0.1:9090" {
		t.Fatalf("from %s: %v, %v", PrometheusEnv, ms, err)
	}
	ms.Close()
	ms, err = MetricsSource("127.0.0.2:9090", env("http://127.0.0.1:9090"))
	if err != nil || ms.String() != "Prometheus at http://127.0.0.2:9090" {
		t.Fatalf("the flag must win over the environment: %v, %v", ms, err)
	}
	ms.Close()
	_, err = MetricsSource("ftp://x", env(""))
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != ExitUsage || !errors.Is(err, promql.ErrURL) {
		t.Fatalf("a bad URL: %v, want ExitUsage wrapping promql.ErrURL", err)
	}
}
