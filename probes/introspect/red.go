package introspect

import (
	"context"
	"slices"

	wire "github.com/kitbench/kitbench/kit/introspect"
)

// OffersRED reports whether an instance's /info lists the compact RED
// resource (wire.ResourceRED), which RED reads.
func OffersRED(info wire.Info) bool {
	return slices.Contains(info.Resources, wire.ResourceRED)
}

// RED reads /red: each endpoint's cumulative request counts and latency
// histogram. An instance that does not offer it (see OffersRED) answers
// with an error wrapping ErrBadResponse (HTTP 404).
func (c *Client) RED(ctx context.Context) ([]wire.REDEndpoint, error) {
	var page wire.RED
	_, err := c.getJSON(ctx, "/"+wire.ResourceRED, &page)
	return page.Endpoints, err
}
