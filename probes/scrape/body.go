package scrape

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// page is a response body held in memory as a list of fixed-size chunks
// from the Scraper's pool, so that reading a page that turns out too large
// costs about the limit (never the doubling of a growing buffer), and
// steady scraping reuses its buffers. Decoding copies what it keeps, so
// the chunks go back to the pool once the page is decoded.
type page struct {
	chunks []*[]byte
	last   int // bytes used in the last chunk
	size   int64
	lines  int // sample lines, counted for line-based formats
}

const chunkSize = 32 << 10

func newChunk() any {
	b := make([]byte, chunkSize)
	return &b
}

// reader returns a reader over the whole page.
func (p *page) reader() io.Reader {
	rs := make([]io.Reader, len(p.chunks))
	for i, c := range p.chunks {
		b := *c
		if i == len(p.chunks)-1 {
			b = b[:p.last]
		}
		rs[i] = bytes.NewReader(b)
	}
	return io.MultiReader(rs...)
}

// release returns the page's chunks to the pool.
func (s *Scraper) release(p *page) {
	for _, c := range p.chunks {
		s.pool.Put(c)
	}
	p.chunks = nil
}

// readBody reads resp.Body into p, up to s.maxBytes. For line-based
// formats it counts sample lines as they arrive and stops as soon as
// there are more than s.maxSeries, before anything is parsed.
func (s *Scraper) readBody(resp *http.Response, f format, p *page) error {
	var lc lineCounter
	for {
		c := s.pool.Get().(*[]byte)
		p.chunks = append(p.chunks, c)
		n, err := io.ReadFull(resp.Body, (*c)[:min(chunkSize, s.maxBytes+1-p.size)])
		p.last = n
		p.size += int64(n)
		if f.lines {
			lc.feed((*c)[:n])
			if lc.n > s.maxSeries {
				return fmt.Errorf("%w: more than %d", ErrTooManySeries, s.maxSeries)
			}
		}
		if p.size > s.maxBytes {
			return fmt.Errorf("%w: more than %d bytes", ErrTooLarge, s.maxBytes)
		}
		switch {
		case err == nil:
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			p.lines = lc.n
			return nil
		default:
			return fmt.Errorf("reading the body after %d bytes: %w", p.size, err)
		}
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
