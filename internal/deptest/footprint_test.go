package deptest

import (
	"os/exec"
	"strings"
	"testing"
)

// heavy are the dependencies an HTTP-only service must not link: a kit
// service that serves JSON over HTTP pays for gRPC, protobuf, Prometheus
// or OpenTelemetry only when it imports the kit package that uses them
// (kit/transport/grpc, kit/metrics, kit/introspect's handler, kit/tracing).
var heavy = []string{
	"google.golang.org/grpc",
	"google.golang.org/protobuf",
	"github.com/prometheus/",
	"go.opentelemetry.io/",
}

// TestHTTPOnlyFootprint: what a service that imports kit/endpoint and
// kit/transport/http (with its JSON codecs, and kit/transport's error
// vocabulary) links holds none of the heavy dependencies.
func TestHTTPOnlyFootprint(t *testing.T) {
	pkgs := []string{"kit/endpoint", "kit/transport", "kit/transport/http"}
	args := []string{"list", "-deps", "-f", "{{.ImportPath}}"}
	for _, p := range pkgs {
		args = append(args, "../../"+p)
	}
	out, err := exec.Command("go", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	seen := map[string]bool{}
	for _, d := range deps {
		seen[d] = true
		for _, h := range heavy {
			if d == strings.TrimSuffix(h, "/") || strings.HasPrefix(d, strings.TrimSuffix(h, "/")+"/") {
				t.Errorf("an HTTP-only service links %s (%s…)", d, h)
			}
		}
	}
	for _, p := range pkgs {
		if !seen[module+p] {
			t.Fatalf("go list -deps does not list %s itself; the test is not looking where it should:\n%s", p, out)
		}
	}
}
