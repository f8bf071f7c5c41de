package recorder

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
	"unicode/utf8"
)

// DefaultMaxLine is the longest line a Reader accepts (16 MiB) unless told
// otherwise, and the longest a Writer writes.
const DefaultMaxLine = 16 << 20

// maxSkip is how far past its start the reader looks for the end of a
// line longer than MaxLine (or MaxLine, if that is larger). A line that goes on further (/dev/zero, a disk
// image) ends the read: the input is not a session, or not from there on.
const maxSkip = 256 << 20

// ReadOptions configure a Reader. The zero value uses DefaultMaxLine.
type ReadOptions struct {
	// MaxLine bounds one line in bytes; longer lines are skipped with a
	// LineError wrapping ErrLineTooLong, and a line with no line break in
	// its first 256 MiB (or MaxLine bytes, if more) ends the read with an
	// error wrapping ErrLineTooLong. Zero means DefaultMaxLine.
	MaxLine int
}

// LineError is a line that could not be read; the lines around it still
// are.
type LineError struct {
	Line int // 1-based; line 1 is the header
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// Unwrap returns the cause (wrapping ErrFormat or ErrLineTooLong).
func (e *LineError) Unwrap() error { return e.Err }

// Session is a whole session file in memory.
type Session struct {
	Header    Header
	Exchanges []Exchange
	// Errors lists the lines that could not be read, in order; every
	// other exchange is in Exchanges.
	Errors []*LineError
	// Note is, for a file of a newer minor version than this reader's,
	// a sentence for people saying that fields added since may be
	// ignored (see Reader.Note); empty otherwise.
	Note string
}

// Reader reads a session one exchange at a time, in bounded memory: at
// most one line (MaxLine bytes) is held at once.
type Reader struct {
	br      *bufio.Reader
	max     int
	skip    int // how far to look for the end of a long line
	line    int
	header  Header
	pending *LineError // a bad header, reported by the first Next
}

// NewReader reads the header from r. It fails only when the input is not
// a kitrec session at all (ErrFormat) or is of another major version
// (ErrVersion); a damaged header line is reported by the first Next.
func NewReader(r io.Reader, opts ReadOptions) (*Reader, error) {
	limit := opts.MaxLine
	if limit <= 0 {
		limit = DefaultMaxLine
	}
	rd := &Reader{br: bufio.NewReaderSize(r, 64<<10), max: limit, skip: 1 + max(maxSkip, limit)}
	return rd, rd.readHeader()
}

func (r *Reader) readHeader() error {
	line, err := r.next()
	if err == io.EOF {
		return fmt.Errorf("%w: empty file, no header", ErrFormat)
	}
	if err != nil {
		if le, ok := err.(*LineError); ok {
			r.pending = le
			r.header = Header{Format: Format, Version: Version}
			return nil
		}
		return err
	}
	var h Header
	if err := json.Unmarshal(line, &h); err != nil {
		if json.Valid(line) { // whole, but not a header: another kind of file
			return fmt.Errorf("%w: line 1 is not a kitrec header", ErrFormat)
		}
		r.pending = &LineError{Line: r.line, Err: fmt.Errorf("%w: bad header: %v", ErrFormat, err)}
		r.header = Header{Format: Format, Version: Version}
		return nil
	}
	if h.Format != Format {
		return fmt.Errorf("%w: line 1 says format %q, want %q", ErrFormat, h.Format, Format)
	}
	if h.Version != Version {
		return fmt.Errorf("%w %d: this kitbench reads kitrec version %d only; use a kitbench release that supports version %d, or re-record the session", ErrVersion, h.Version, Version, h.Version)
	}
	r.header = h
	return nil
}

// Header returns the session's header.
func (r *Reader) Header() Header { return r.header }

// Note returns, when the file was written by a newer minor version of the
// format than MinorVersion, a sentence saying so: it reads (minor
// versions only add optional fields), but what was added since is
// ignored. It is empty for files this reader knows in full.
func (r *Reader) Note() string {
	if r.header.Minor <= MinorVersion {
		return ""
	}
	return fmt.Sprintf("this session is kitrec %d.%d, newer than the %d.%d this kitbench knows: it is read, but fields added since %d.%d are ignored; use a newer kitbench to use them",
		r.header.Version, r.header.Minor, Version, MinorVersion, Version, MinorVersion)
}

// Next returns the next exchange. At the end it returns io.EOF. A line
// that cannot be read gives a *LineError, and the following call goes on
// with the next line; any other error ends the session: the underlying
// reader's, or ErrLineTooLong for a line with no end in sight.
func (r *Reader) Next() (Exchange, error) {
	if le := r.pending; le != nil {
		r.pending = nil
		return Exchange{}, le
	}
	line, err := r.next()
	if err != nil {
		return Exchange{}, err
	}
	ex, err := parseExchange(line)
	if err != nil {
		return Exchange{}, &LineError{Line: r.line, Err: err}
	}
	return ex, nil
}

// next returns the next non-blank line without its newline.
func (r *Reader) next() ([]byte, error) {
	for {
		line, err := r.readLine()
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(line)) > 0 {
			return line, nil
		}
	}
}

// readLine reads one line, holding at most r.max bytes of it and reading
// at most r.skip bytes of it.
func (r *Reader) readLine() ([]byte, error) {
	var acc []byte
	tooLong := false
	read := 0
	for {
		chunk, err := r.br.ReadSlice('\n')
		if read += len(chunk); read > r.skip && err == bufio.ErrBufferFull {
			return nil, fmt.Errorf("%w: line %d has no line break in its first %d MiB: this is not a kitrec session, or it is damaged from there on",
				ErrLineTooLong, r.line+1, r.skip>>20)
		}
		if !tooLong {
			if len(acc)+len(chunk) > r.max+1 { // +1: the newline
				tooLong, acc = true, nil
			} else {
				acc = append(acc, chunk...)
			}
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && len(acc) == 0 && !tooLong:
			return nil, io.EOF
		case err != nil && err != io.EOF:
			return nil, fmt.Errorf("recorder: reading line %d: %w", r.line+1, err)
		}
		r.line++
		if tooLong {
			return nil, &LineError{Line: r.line, Err: fmt.Errorf("%w: more than %d bytes", ErrLineTooLong, r.max)}
		}
		return bytes.TrimSuffix(acc, []byte("\n")), nil
	}
}

func parseExchange(line []byte) (Exchange, error) {
	var ex Exchange
	if !utf8.Valid(line) {
		return ex, fmt.Errorf("%w: invalid UTF-8", ErrFormat)
	}
	if err := checkDepth(line, MaxDepth+4); err != nil {
		return ex, err
	}
	if err := json.Unmarshal(line, &ex); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) && se.Offset >= int64(len(line)) {
			return ex, fmt.Errorf("%w: truncated line (%v)", ErrFormat, err)
		}
		return ex, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	switch ex.Transport {
	case TransportHTTP, TransportGRPC:
	case TransportThrift:
		if ex.Thrift == nil {
			return ex, fmt.Errorf("%w: exchange %q: a thrift exchange without \"thrift\"", ErrFormat, ex.ID)
		}
	default:
		return ex, fmt.Errorf("%w: exchange %q: transport %q is not \"http\", \"grpc\" or \"thrift\"", ErrFormat, ex.ID, ex.Transport)
	}
	for _, b := range []*Body{ex.Request.Body, ex.Response.Body} {
		if b != nil && b.JSON != nil && b.Bytes != nil {
			return ex, fmt.Errorf("%w: exchange %q: a body has both \"json\" and \"base64\"", ErrFormat, ex.ID)
		}
	}
	if err := checkMessages(&ex); err != nil {
		return ex, err
	}
	return ex, nil
}

// Read reads a whole session. It returns an error only when r is not a
// kitrec session of this major version, or cannot be read; lines that do
// not parse are listed in Session.Errors and every other exchange is kept.
func Read(r io.Reader, opts ReadOptions) (*Session, error) {
	rd, err := NewReader(r, opts)
	if err != nil {
		return nil, err
	}
	s := &Session{Header: rd.Header(), Note: rd.Note()}
	for {
		ex, err := rd.Next()
		if err == io.EOF {
			return s, nil
		}
		var le *LineError
		if errors.As(err, &le) {
			s.Errors = append(s.Errors, le)
			continue
		}
		if err != nil {
			return s, err
		}
		s.Exchanges = append(s.Exchanges, ex)
	}
}

// ReadFile reads the session file at path (see Read); errors name the file.
func ReadFile(path string, opts ReadOptions) (*Session, error) {
	return ReadFileContext(context.Background(), path, opts)
}

// ReadFileContext is ReadFile that stops when ctx ends, even while a read
// waits on a pipe or FIFO; the error then wraps ctx's error.
func ReadFileContext(ctx context.Context, path string, opts ReadOptions) (*Session, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("recorder: %w", err)
	}
	defer f.Close()
	// A read blocked on a pipe or FIFO ends at its deadline; a regular
	// file has none (and its reads do not block), so the error is ignored.
	stop := context.AfterFunc(ctx, func() { _ = f.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	s, err := Read(ctxReader{ctx, f}, opts)
	if err != nil {
		return s, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// ctxReader reads from r until ctx ends, then fails with ctx's error.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	if err != nil && c.ctx.Err() != nil {
		return n, c.ctx.Err()
	}
	return n, err
}
