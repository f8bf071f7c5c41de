package scrape

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"mime"
	"slices"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"google.golang.org/protobuf/proto"
)

// format is how a page is decoded.
type format struct {
	f     expfmt.Format
	lines bool // line-based, so sample lines can be counted while reading
}

// formatOf maps a response's Content-Type to a format, through
// expfmt.ResponseFormat. A missing Content-Type, or text/plain of a
// version expfmt does not name, is read as the text format, as most
// scrapers do; anything else unknown is refused.
func formatOf(contentType string) (format, bool) {
	f := expfmt.ResponseFormat(map[string][]string{"Content-Type": {contentType}})
	switch f.FormatType() {
	case expfmt.TypeProtoDelim:
		return format{f: f}, true
	case expfmt.TypeTextPlain:
		return format{f: f, lines: true}, true
	case expfmt.TypeOpenMetrics:
		return format{f: f.WithEscapingScheme(model.NoEscaping), lines: true}, true
	}
	if contentType == "" {
		return format{f: expfmt.FmtText, lines: true}, true
	}
	if mt, _, err := mime.ParseMediaType(contentType); err == nil && mt == "text/plain" {
		return format{f: expfmt.FmtText, lines: true}, true
	}
	return format{}, false
}

// decode parses a page into metric families sorted by name and counts
// its series.
func decode(p *page, f format, maxSeries int) ([]*dto.MetricFamily, int, error) {
	var (
		fams []*dto.MetricFamily
		err  error
	)
	switch f.f.FormatType() {
	case expfmt.TypeProtoDelim:
		fams, err = decodeProto(p, maxSeries)
	case expfmt.TypeOpenMetrics:
		fams, err = decodeWith(expfmt.NewDecoder(p.reader(), f.f))
	default:
		parser := expfmt.NewTextParser(model.UTF8Validation)
		var m map[string]*dto.MetricFamily
		m, err = parser.TextToMetricFamilies(p.reader())
		fams = make([]*dto.MetricFamily, 0, len(m))
		for _, mf := range m {
			fams = append(fams, mf)
		}
	}
	if err != nil {
		if errors.Is(err, ErrTooManySeries) || errors.Is(err, ErrTooLarge) {
			return nil, 0, err
		}
		return nil, 0, fmt.Errorf("%w (%s): %w", ErrParse, formatName(f.f), err)
	}
	series := 0
	for _, mf := range fams {
		series += seriesOf(mf)
	}
	if series > maxSeries {
		return nil, 0, fmt.Errorf("%w: %d, more than %d", ErrTooManySeries, series, maxSeries)
	}
	slices.SortFunc(fams, func(a, b *dto.MetricFamily) int {
		return strings.Compare(a.GetName(), b.GetName())
	})
	return fams, series, nil
}

// decodeWith drains an expfmt.Decoder.
func decodeWith(d expfmt.Decoder) ([]*dto.MetricFamily, error) {
	var fams []*dto.MetricFamily
	for {
		mf := &dto.MetricFamily{}
		if err := d.Decode(mf); err != nil {
			if errors.Is(err, io.EOF) {
				return fams, nil
			}
			return nil, err
		}
		fams = append(fams, mf)
	}
}

// decodeProto reads length-delimited MetricFamily messages. It does what
// expfmt's protobuf decoder does, but refuses a length prefix larger than
// what is left of the page instead of allocating it, and stops as soon as
// the series limit is passed.
func decodeProto(p *page, maxSeries int) ([]*dto.MetricFamily, error) {
	r := bufio.NewReader(p.reader())
	left := p.size
	var (
		fams   []*dto.MetricFamily
		series int
		buf    []byte
	)
	for i := 1; ; i++ {
		n, err := binary.ReadUvarint(r)
		if errors.Is(err, io.EOF) {
			return fams, nil
		}
		if err != nil {
			return nil, fmt.Errorf("message %d: length prefix: %w", i, err)
		}
		left -= int64(varintLen(n))
		if n > uint64(left) {
			return nil, fmt.Errorf("message %d: length %d runs past the end of the page", i, n)
		}
		left -= int64(n)
		if uint64(cap(buf)) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, fmt.Errorf("message %d: %w", i, err)
		}
		mf := &dto.MetricFamily{}
		if err := proto.Unmarshal(buf, mf); err != nil {
			return nil, fmt.Errorf("message %d: %w", i, err)
		}
		if err := validate(mf); err != nil {
			return nil, fmt.Errorf("message %d: %w", i, err)
		}
		if series += seriesOf(mf); series > maxSeries {
			return nil, fmt.Errorf("%w: more than %d", ErrTooManySeries, maxSeries)
		}
		fams = append(fams, mf)
	}
}

func varintLen(n uint64) int {
	l := 1
	for ; n >= 0x80; n >>= 7 {
		l++
	}
	return l
}

// validate applies the text parser's rules to a protobuf family: names
// and label values must be valid UTF-8 and names non-empty.
func validate(mf *dto.MetricFamily) error {
	if !model.UTF8Validation.IsValidMetricName(mf.GetName()) {
		return fmt.Errorf("invalid metric name %q", mf.GetName())
	}
	for _, m := range mf.GetMetric() {
		for _, l := range m.GetLabel() {
			if !model.UTF8Validation.IsValidLabelName(l.GetName()) {
				return fmt.Errorf("metric %q: invalid label name %q", mf.GetName(), l.GetName())
			}
			if !model.LabelValue(l.GetValue()).IsValid() {
				return fmt.Errorf("metric %q: label %q: invalid UTF-8 value %q", mf.GetName(), l.GetName(), l.GetValue())
			}
		}
	}
	return nil
}

// seriesOf counts the series of a family as Prometheus's sample_limit
// does: one per counter, gauge or untyped metric; buckets (with +Inf),
// quantiles, _sum and _count for histograms and summaries.
func seriesOf(mf *dto.MetricFamily) int {
	n := 0
	for _, m := range mf.GetMetric() {
		switch {
		case m.GetHistogram() != nil:
			h := m.GetHistogram()
			n += len(h.GetBucket()) + 2
			if !hasInf(h) {
				n++
			}
		case m.GetSummary() != nil:
			n += len(m.GetSummary().GetQuantile()) + 2
		default:
			n++
		}
	}
	return n
}

func formatName(f expfmt.Format) string {
	switch f.FormatType() {
	case expfmt.TypeProtoDelim:
		return "protobuf"
	case expfmt.TypeOpenMetrics:
		return "OpenMetrics"
	}
	return "text"
}
