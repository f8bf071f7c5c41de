package recorder

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// WriteOptions configure a Writer. The zero value redacts with the
// default rules and limits lines to DefaultMaxLine.
type WriteOptions struct {
	// Redact adds to or opts out of the default redaction rules.
	Redact Redaction
	// Now stamps exchanges with a zero Time and the header's Created;
	// nil means time.Now.
	Now func() time.Time
}

// Appender receives exchanges; *Writer is one. Capture middleware and
// `kitbench call --record` write through it.
type Appender interface {
	Append(Exchange) error
}

// Writer appends exchanges to a session, one line per exchange. It is
// safe for concurrent use: each Append encodes its line and hands the
// whole line to a single Write call, so lines never interleave and a
// crash loses at most the exchange being written.
type Writer struct {
	rd     *Policy
	now    func() time.Time
	prefix string
	seq    atomic.Uint64

	mu     sync.Mutex
	w      io.Writer
	file   *os.File // nil for NewWriter
	needNL bool     // the file ends inside a line (a crash, a failed write)
	closed bool
}

var lineBufs = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// Create creates (or truncates) the session file at path with mode 0600
// and writes its header. Header fields left zero are filled in: Format,
// Version and Created; Minor is at least MinorVersion.
func Create(path string, h Header, opts WriteOptions) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("recorder: %w", err)
	}
	w, err := newWriter(f, f, opts)
	if err == nil {
		err = w.writeHeader(h)
	}
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return w, nil
}

// OpenFile opens the session file at path for appending, creating it
// (mode 0600, with header h) when it does not exist or is empty. An
// existing file keeps its own header, which must be a kitrec header of
// this major version; h is then unused. If the file ends in a partial
// line (an earlier crash), the next exchange starts on a new line, so the
// damage stays one bad line.
func OpenFile(path string, h Header, opts WriteOptions) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("recorder: %w", err)
	}
	w, err := newWriter(f, f, opts)
	if err == nil {
		err = w.resume(f, h)
	}
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return w, nil
}

// NewWriter writes a session to w, starting with header h. Close does not
// close w; if w has a Sync method it is not called either.
func NewWriter(w io.Writer, h Header, opts WriteOptions) (*Writer, error) {
	wr, err := newWriter(w, nil, opts)
	if err != nil {
		return nil, err
	}
	return wr, wr.writeHeader(h)
}

func newWriter(w io.Writer, f *os.File, opts WriteOptions) (*Writer, error) {
	rd, err := NewPolicy(opts.Redact)
	if err != nil {
		return nil, err
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	return &Writer{rd: rd, now: now, w: w, file: f, prefix: hex.EncodeToString(rnd[:]) + "-"}, nil
}

func (w *Writer) writeHeader(h Header) error {
	h.Format, h.Version, h.Minor = Format, Version, max(h.Minor, MinorVersion)
	if h.Created.IsZero() {
		h.Created = w.now().UTC()
	}
	if _, err := compilePaths(h.Ignore); err != nil {
		return err
	}
	line, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("recorder: header: %w", err)
	}
	if _, err := w.w.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("recorder: writing header: %w", err)
	}
	return nil
}

// resume reads an existing file's header, or writes h to an empty file.
func (w *Writer) resume(f *os.File, h Header) error {
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("recorder: %w", err)
	}
	if st.Size() == 0 {
		return w.writeHeader(h)
	}
	br := bufio.NewReader(io.NewSectionReader(f, 0, st.Size()))
	r := &Reader{br: br, max: DefaultMaxLine}
	err = r.readHeader()
	if err == nil && r.pending != nil { // a reader skips a bad first line; a writer must not append to it
		err = fmt.Errorf("%w: line 1 is not a kitrec header", ErrFormat)
	}
	if err != nil {
		return fmt.Errorf("recorder: %s: cannot append: %w", f.Name(), err)
	}
	var last [1]byte
	if _, err := f.ReadAt(last[:], st.Size()-1); err != nil {
		return fmt.Errorf("recorder: %w", err)
	}
	w.needNL = last[0] != '\n'
	return nil
}

// Append redacts ex and writes it as one line. It assigns an ID when ex.ID
// is empty and the current time when ex.Time is zero. ex's maps and bodies
// are not modified. A line longer than DefaultMaxLine is refused with
// ErrLineTooLong (nothing is written), so every written line can be read.
func (w *Writer) Append(ex Exchange) error {
	bp := lineBufs.Get().(*[]byte)
	defer putLineBuf(bp)
	// The leading newline is written only when the file ends inside a line.
	line, err := w.encode(append((*bp)[:0], '\n'), &ex, nil, nil)
	*bp = line
	if err != nil {
		return err
	}
	return w.write(line)
}

func putLineBuf(bp *[]byte) {
	if cap(*bp) <= 1<<20 {
		lineBufs.Put(bp)
	}
}

// encode fills in ID and Time, redacts, and appends ex's line to b. names,
// when not nil, caches which header names are secret (see Batch); fields,
// when not nil, stand for ex's request and response header maps.
func (w *Writer) encode(b []byte, ex *Exchange, names map[string]uint8, fields *headerFields) ([]byte, error) {
	var idBuf [32]byte
	var id []byte // the ID assigned, written without making a string of it
	if ex.ID == "" {
		id = strconv.AppendUint(append(idBuf[:0], w.prefix...), w.seq.Add(1), 10)
	}
	if ex.Time.IsZero() {
		ex.Time = w.now()
	}
	w.rd.content(ex)
	start := len(b)
	out, err := appendExchange(b, ex, id, &headerRedactor{p: w.rd, names: names}, fields)
	if err != nil { // out is nil: b is what was there before
		return b[:start], fmt.Errorf("recorder: exchange %s: %w", ex.ID+string(id), err)
	}
	b = out
	if len(b)-start > DefaultMaxLine {
		return b[:start], fmt.Errorf("%w: exchange %s is %d bytes, more than %d", ErrLineTooLong, ex.ID+string(id), len(b)-start, DefaultMaxLine)
	}
	return append(b, '\n'), nil
}

// write writes lines (which start with a newline) in one Write call.
func (w *Writer) write(line []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	if !w.needNL {
		line = line[1:]
	}
	n, err := w.w.Write(line)
	if err != nil || n != len(line) {
		w.needNL = n > 0 || w.needNL
		if err == nil {
			err = io.ErrShortWrite
		}
		return fmt.Errorf("recorder: writing: %w", err)
	}
	w.needNL = false
	return nil
}

// Close flushes the file to stable storage (fsync) and closes it. It is
// safe to call more than once; later Appends return ErrClosed.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	if w.file == nil {
		return nil
	}
	err := w.file.Sync()
	if cerr := w.file.Close(); err == nil {
		err = cerr
	}
	if err != nil && !errors.Is(err, os.ErrClosed) {
		return fmt.Errorf("recorder: closing %s: %w", w.file.Name(), err)
	}
	return nil
}
