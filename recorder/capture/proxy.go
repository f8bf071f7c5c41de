package capture

import (
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"

	"github.com/kitbench/kitbench/recorder"
)

// Proxy returns a reverse proxy to the HTTP service at target
// ("http://host:port" or "host:port") that records every exchange passing
// through it to to — a way to record a service that was not built with
// capture. It proxies HTTP (GRPCProxy proxies gRPC); a target that does
// not answer gives the client a 502, and that is recorded too. Each
// exchange's Target is the backend's host:port, not the proxy's, so the
// session replays against the backend after the proxy has stopped.
func Proxy(target string, to recorder.Appender, opts Options) (http.Handler, error) {
	if !hasScheme(target) {
		target = "http://" + target
	}
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("capture: proxy target %q: want http://host:port", target)
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(u)
			r.Out.Host = r.In.Host
		},
	}
	return &handler{next: rp, opts: opts, max: opts.maxBody(), to: to, origin: u.Host}, nil
}

func hasScheme(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https")
}
