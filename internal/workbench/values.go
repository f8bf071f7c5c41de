package workbench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/kitbench/kitbench/probes/invoke"
)

// JSONValues returns a source of the JSON values r holds, one a call, as
// a stream's messages (invoke.StreamOptions.Send): values one after the
// other, whitespace between them (JSON lines are such values), and
// io.EOF after the last. Malformed JSON is an error wrapping
// invoke.ErrBadJSON with its line and column in r, named by what ("-d
// @-"). It reads r only as far as the value it returns, synchronously:
// give it a reader that does not block (a file, a body in memory).
func JSONValues(r io.Reader, what string) func(context.Context) ([]byte, error) {
	d := newValueDecoder(r, what)
	return func(context.Context) ([]byte, error) { return d.next() }
}

// InputValues is JSONValues for a reader that may block for as long as a
// person takes to type (standard input): the reading runs on one
// goroutine, started by the first call, so that a call returns when its
// context ends. The goroutine ends at the end of r, or once a read
// returns after the context of the first call ended (a read itself
// cannot be interrupted: at a terminal it waits for the next line or
// ctrl+d, and a command that is done exits regardless).
func InputValues(r io.Reader, what string) func(context.Context) ([]byte, error) {
	d := newValueDecoder(r, what)
	type value struct {
		b   []byte
		err error
	}
	vals := make(chan value)
	var once sync.Once
	return func(ctx context.Context) ([]byte, error) {
		once.Do(func() {
			go func() {
				defer close(vals)
				for {
					b, err := d.next()
					select {
					case vals <- value{b, err}:
					case <-ctx.Done():
						return
					}
					if err != nil {
						return
					}
				}
			}()
		})
		select {
		case v, ok := <-vals:
			if !ok {
				return nil, io.EOF
			}
			return v.b, v.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// valueDecoder reads JSON values one at a time, keeping where lines start
// so that an error names a line and column of the whole input.
type valueDecoder struct {
	lines *lineReader
	dec   *json.Decoder
	what  string
	err   error // sticky: the end, or the first failure
}

func newValueDecoder(r io.Reader, what string) *valueDecoder {
	lr := &lineReader{r: r}
	return &valueDecoder{lines: lr, dec: json.NewDecoder(lr), what: what}
}

func (d *valueDecoder) next() ([]byte, error) {
	if d.err != nil {
		return nil, d.err
	}
	var v json.RawMessage
	err := d.dec.Decode(&v)
	var se *json.SyntaxError
	switch {
	case err == nil:
		return v, nil
	case errors.Is(err, io.EOF):
		d.err = io.EOF
	case errors.As(err, &se):
		line, col := d.lines.position(se.Offset - 1)
		d.err = fmt.Errorf("%s: %w at line %d, column %d: %s", d.what, invoke.ErrBadJSON, line, col, se.Error())
	case errors.Is(err, io.ErrUnexpectedEOF):
		line, col := d.lines.position(d.lines.off)
		d.err = fmt.Errorf("%s: %w at line %d, column %d: unexpected end of input", d.what, invoke.ErrBadJSON, line, col)
	default:
		d.err = fmt.Errorf("%s: %w", d.what, err)
	}
	return nil, d.err
}

// lineReader counts what passes through it and where each line starts.
type lineReader struct {
	r     io.Reader
	off   int64
	start []int64 // offsets just after each newline
}

func (l *lineReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i, c := range p[:n] {
		if c == '\n' {
			l.start = append(l.start, l.off+int64(i)+1)
		}
	}
	l.off += int64(n)
	return n, err
}

// position is the 1-based line and column of byte offset off.
func (l *lineReader) position(off int64) (line, col int) {
	off = max(0, off)
	i, _ := slices.BinarySearch(l.start, off+1)
	line = i + 1
	begin := int64(0)
	if i > 0 {
		begin = l.start[i-1]
	}
	return line, int(off-begin) + 1
}
