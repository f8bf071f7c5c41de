package scrape

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// page is a response body held in memory as a list of chunks, so that
// reading a page that turns out too large costs about the limit, never
// the doubling a growing buffer would allocate.
type page struct {
	chunks [][]byte
	size   int64
	lines  int // sample lines, counted for line-based formats
}

// reader returns a reader over the whole page.
func (p *page) reader() io.Reader {
	if len(p.chunks) == 1 {
		return bytes.NewReader(p.chunks[0])
	}
	rs := make([]io.Reader, len(p.chunks))
	for i, c := range p.chunks {
		rs[i] = bytes.NewReader(c)
	}
	return io.MultiReader(rs...)
}

const (
	firstChunk = 16 << 10
	maxChunk   = 1 << 20
)

// readBody reads resp.Body up to s.maxBytes. For line-based formats it
// counts sample lines as they arrive and stops as soon as there are more
// than s.maxSeries, before anything is parsed.
func (s *Scraper) readBody(resp *http.Response, f format) (*page, error) {
	p := &page{}
	var lc lineCounter
	size := int64(firstChunk)
	if resp.ContentLength >= 0 {
		size = resp.ContentLength + 1 // +1 to see the end, or excess data
	}
	for {
		size = min(size, s.maxBytes+1-p.size)
		if size <= 0 {
			return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, s.maxBytes)
		}
		buf := make([]byte, size)
		n, err := io.ReadFull(resp.Body, buf)
		buf = buf[:n]
		if n > 0 {
			p.chunks = append(p.chunks, buf)
			p.size += int64(n)
			if f.lines {
				lc.feed(buf)
				if lc.n > s.maxSeries {
					return nil, fmt.Errorf("%w: more than %d", ErrTooManySeries, s.maxSeries)
				}
			}
		}
		if p.size > s.maxBytes {
			return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, s.maxBytes)
		}
		switch {
		case err == nil:
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			p.lines = lc.n
			return p, nil
		default:
			return nil, fmt.Errorf("reading the body after %d bytes: %w", p.size, err)
		}
		size = min(max(size*2, firstChunk), maxChunk)
	}
}

// lineCounter counts the sample lines of a line-based exposition: lines
// that are neither blank nor comments (# HELP, # TYPE, # EOF, ...).
type lineCounter struct {
	n      int
	inLine bool // inside a line already classified
}

func (c *lineCounter) feed(p []byte) {
	for len(p) > 0 {
		if c.inLine {
			i := bytes.IndexByte(p, '\n')
			if i < 0 {
				return
			}
			p, c.inLine = p[i+1:], false
			continue
		}
		switch p[0] {
		case ' ', '\t', '\r', '\n':
			p = p[1:]
			continue
		case '#':
		default:
			c.n++
		}
		c.inLine = true
	}
}
