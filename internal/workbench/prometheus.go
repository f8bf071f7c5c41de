package workbench

import (
	"cmp"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/probes/promql"
)

// PrometheusEnv names the environment variable that gives a Prometheus
// server's URL when --prometheus does not.
const PrometheusEnv = "PROMETHEUS_URL"

// PrometheusFlagHelp is the help of every command's --prometheus.
const PrometheusFlagHelp = "read rates, errors and latency from this Prometheus server (URL) instead of scraping every instance (default: " + PrometheusEnv + "; docs/prometheus.md)"

// MetricsSource is the hub's metrics source for the Prometheus server at
// url, or at PROMETHEUS_URL (read through getenv) when url is empty; nil,
// scraping each instance, when neither names one. A URL it cannot use is
// an ExitUsage error.
func MetricsSource(url string, getenv func(string) string) (hub.MetricsSource, error) {
	url = cmp.Or(url, getenv(PrometheusEnv))
	if url == "" {
		return nil, nil
	}
	s, err := promql.New(promql.Options{URL: url})
	if err != nil {
		return nil, Exitf(ExitUsage, "--prometheus (or %s): %w", PrometheusEnv, err)
	}
	return hub.PromQL(s), nil
}
