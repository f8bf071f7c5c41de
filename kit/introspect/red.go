package introspect

import (
	"cmp"
	"slices"
)

// ResourceRED names the RED resource in Info.Resources.
const ResourceRED = "red"

// REDSource is implemented by the request metrics of kit/metrics: it
// returns each endpoint's cumulative counts since the process started.
type REDSource interface {
	// RED returns one REDEndpoint per endpoint and transport; it must not
	// block on the call path.
	RED() []REDEndpoint
}

// RED answers GET /debug/kit/v1/red: the request figures of every
// endpoint, as kit/metrics counts them for /metrics, in a compact form
// that a watcher can read often without fetching and parsing the whole
// Prometheus page.
type RED struct {
	Endpoints []REDEndpoint `json:"endpoints"` // sorted by endpoint, then transport
}

// REDEndpoint is one endpoint's cumulative request counts and latency
// histogram over one transport. The values are those of the
// kit_requests_total and kit_request_duration_seconds series with the
// same endpoint and transport labels.
type REDEndpoint struct {
	Endpoint  string `json:"endpoint"`
	Transport string `json:"transport"`
	// Codes maps each code label value ("ok", "404", "5xx", …) to the
	// calls that finished with it.
	Codes map[string]uint64 `json:"codes"`
	// Bounds are the histogram's finite bucket upper bounds in seconds,
	// ascending; Counts the cumulative count of each bound, followed by
	// the count of all observations (the +Inf bucket), so len(Counts) is
	// len(Bounds)+1.
	Bounds []float64 `json:"bounds"`
	Counts []uint64  `json:"counts"`
	// SumSeconds is the sum of all observed durations.
	SumSeconds float64 `json:"sum_seconds"`
}

// WithRED serves src at PathPrefix+"/red" and lists ResourceRED in
// /info's resources. Without it (or with a nil src) /red is a 404.
func WithRED(src REDSource) HandlerOption {
	return func(h *Handler) { h.red = src }
}

// redPage reads the source into a RED, sorted, with no nil slices.
func (h *Handler) redPage() RED {
	eps := h.red.RED()
	if eps == nil {
		eps = []REDEndpoint{}
	}
	slices.SortFunc(eps, func(a, b REDEndpoint) int {
		return cmp.Or(cmp.Compare(a.Endpoint, b.Endpoint), cmp.Compare(a.Transport, b.Transport))
	})
	for i := range eps {
		if eps[i].Codes == nil {
			eps[i].Codes = map[string]uint64{}
		}
		if eps[i].Bounds == nil {
			eps[i].Bounds = []float64{}
		}
		if eps[i].Counts == nil {
			eps[i].Counts = []uint64{}
		}
	}
	return RED{Endpoints: eps}
}
