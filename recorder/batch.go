package recorder

import "fmt"

// Batch gathers exchanges for a Writer and writes them all with one Write
// call: the way for one goroutine that has many exchanges at once to
// record them (recorder/capture's background writer does). Each line is
// still whole, so a crash during Flush loses at most the lines of that
// write. A Batch remembers which header names are secret, so redacting the
// same names again costs one map lookup.
//
// A Batch is for one goroutine at a time; several may share a Writer.
type Batch struct {
	w     *Writer
	buf   []byte // starts with the newline written only after a partial line
	n     int
	names map[string]uint8
}

// NewBatch returns an empty Batch that writes to w.
func (w *Writer) NewBatch() *Batch {
	return &Batch{w: w, buf: []byte{'\n'}, names: make(map[string]uint8)}
}

// Add redacts and encodes ex at the end of the batch, as Writer.Append
// would: it assigns an ID when ex.ID is empty and the current time when
// ex.Time is zero, modifies none of ex's maps or bodies, and keeps nothing
// of ex after it returns. An exchange that cannot be encoded, or whose line
// would be longer than DefaultMaxLine, is refused and the batch is
// unchanged.
func (b *Batch) Add(ex Exchange) error { return b.add(&ex, nil) }

// Field is one header, or one gRPC metadata key, with its values.
type Field struct {
	Name   string
	Values []string
}

// AddFields is Add for an exchange whose request and response headers are
// given as field lists (in any order; AddFields sorts them in place)
// instead of maps, which must then be nil: the form a server-side capture
// has on hand, encoded without building a map. A name given twice keeps
// its first values.
func (b *Batch) AddFields(ex Exchange, request, response []Field) error {
	return b.add(&ex, &headerFields{req: request, resp: response})
}

// headerFields stand for an exchange's request and response header maps.
type headerFields struct{ req, resp []Field }

func (b *Batch) add(ex *Exchange, fields *headerFields) error {
	line, err := b.w.encode(b.buf, ex, b.names, fields)
	b.buf = line
	if err != nil {
		return err
	}
	b.n++
	return nil
}

// Len is how many exchanges wait in the batch.
func (b *Batch) Len() int { return b.n }

// Flush writes the waiting exchanges with one Write call and empties the
// batch, also when the write fails (then none of them count as written).
// An empty batch writes nothing. After the Writer is closed it returns
// ErrClosed.
func (b *Batch) Flush() error {
	if b.n == 0 {
		return nil
	}
	n := b.n
	err := b.w.write(b.buf)
	b.n = 0
	if cap(b.buf) > 4<<20 { // one burst of huge lines: do not keep the memory
		b.buf = make([]byte, 1, 4096)
		b.buf[0] = '\n'
	} else {
		b.buf = b.buf[:1]
	}
	if err != nil {
		return fmt.Errorf("%w (%d exchanges lost)", err, n)
	}
	return nil
}
