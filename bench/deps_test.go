package bench

// The comparison's dependencies, pinned here so go.mod keeps them while the
// benchmarks that use them are written.
import (
	_ "github.com/go-kit/kit/circuitbreaker"
	_ "github.com/go-kit/kit/endpoint"
	_ "github.com/go-kit/kit/metrics/prometheus"
	_ "github.com/go-kit/kit/ratelimit"
	_ "github.com/go-kit/kit/transport/grpc"
	_ "github.com/go-kit/kit/transport/http"
	_ "github.com/go-kit/log"
	_ "github.com/kitbench/kitbench/internal/benchutil"
	_ "github.com/kitbench/kitbench/kit/endpoint"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/sony/gobreaker"
	_ "golang.org/x/time/rate"
	_ "google.golang.org/grpc"
)
