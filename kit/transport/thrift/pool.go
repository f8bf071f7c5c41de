package thrift

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
)

// ErrPoolClosed is wrapped by the error of a call on a closed Pool.
var ErrPoolClosed = errors.New("kitthrift: pool closed")

// Defaults of PoolConfig.
const (
	DefaultMaxIdle     = 4
	DefaultDialTimeout = 5 * time.Second
)

// PoolConfig configures a Pool. The zero value speaks the binary protocol
// with Thrift's default frame limit, keeps DefaultMaxIdle idle connections
// and gives up dialling after DefaultDialTimeout.
type PoolConfig struct {
	// Protocol is the wire protocol; the zero value is Binary.
	Protocol Protocol
	// MaxIdle is how many idle connections are kept for reuse; zero means
	// DefaultMaxIdle, a negative value keeps none.
	MaxIdle int
	// DialTimeout bounds opening a connection (the call's deadline too);
	// zero means DefaultDialTimeout.
	DialTimeout time.Duration
	// MaxFrameSize bounds a reply; zero means DefaultMaxFrameSize.
	MaxFrameSize int32
}

// Pool is a thrift.TClient over framed socket connections to one address.
// Hand it to a generated client constructor, or to NewClient.
//
// Each call takes an idle connection or dials one, so concurrent calls run
// on connections of their own (there is no bound on how many). The call's
// context deadline is the socket's read and write deadline; cancelling the
// context interrupts the call at once (through context.AfterFunc: no
// goroutine waits on the call). A connection whose call failed on the wire
// or was interrupted is closed, and so are the idle ones: after a server
// restart, the next call dials afresh instead of tripping over every stale
// connection in turn.
type Pool struct {
	addr   string
	cfg    PoolConfig
	conf   *thrift.TConfiguration
	pf     thrift.TProtocolFactory
	dialer net.Dialer

	mu     sync.Mutex
	idle   []*poolConn
	closed bool
}

type poolConn struct {
	conn   net.Conn
	client *thrift.TStandardClient
}

var _ thrift.TClient = (*Pool)(nil)

// NewPool returns a Pool for the Thrift server at addr ("host:port"). It
// dials nothing until the first call. An unknown Protocol makes every call
// fail with an error wrapping ErrClientConfig.
func NewPool(addr string, cfg PoolConfig) *Pool {
	if cfg.MaxIdle == 0 {
		cfg.MaxIdle = DefaultMaxIdle
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	conf := tconf(cfg.MaxFrameSize)
	return &Pool{addr: addr, cfg: cfg, conf: conf, pf: cfg.Protocol.factory(conf), dialer: net.Dialer{Timeout: cfg.DialTimeout}}
}

// Addr returns the address the pool dials.
func (p *Pool) Addr() string { return p.addr }

// Call implements thrift.TClient: it sends one message and reads its reply
// on a connection of its own, within ctx's deadline.
func (p *Pool) Call(ctx context.Context, method string, args, result thrift.TStruct) (thrift.ResponseMeta, error) {
	var meta thrift.ResponseMeta
	if p.pf == nil {
		return meta, fmt.Errorf("%w: unknown protocol %v", ErrClientConfig, p.cfg.Protocol)
	}
	if err := ctx.Err(); err != nil {
		return meta, p.wrap(method, err)
	}
	c, err := p.get(ctx)
	if err != nil {
		return meta, err
	}
	dl, _ := ctx.Deadline()
	if err := c.conn.SetDeadline(dl); err != nil {
		c.conn.Close()
		return meta, p.wrap(method, err)
	}
	stop := func() bool { return true }
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, func() { _ = c.conn.SetDeadline(time.Unix(1, 0)) })
	}
	meta, err = c.client.Call(ctx, method, args, result)
	interrupted := !stop()
	switch {
	case err == nil && !interrupted:
		p.put(c)
	case err == nil:
		c.conn.Close() // answered just in time; its deadline is spoilt
	case ctx.Err() != nil:
		c.conn.Close()
		err = p.wrap(method, fmt.Errorf("%w (%v)", ctx.Err(), err))
	case reusable(err):
		p.put(c)
	default:
		c.conn.Close()
		p.purge()
		err = p.wrap(method, err)
	}
	return meta, err
}

// reusable reports whether a connection stays in step after a call that
// failed with err: true for an exception the server sent in full.
func reusable(err error) bool {
	var app thrift.TApplicationException
	if !errors.As(err, &app) {
		return false
	}
	switch app.TypeId() {
	case thrift.WRONG_METHOD_NAME, thrift.BAD_SEQUENCE_ID, thrift.INVALID_MESSAGE_TYPE_EXCEPTION:
		return false
	}
	return true
}

// wrap names the method and address in a transport failure, keeping it a
// TTransportException (with the kind Thrift gives err) for generated code.
func (p *Pool) wrap(method string, err error) error {
	return thrift.NewTTransportExceptionFromError(fmt.Errorf("kitthrift: %s on %s: %w", method, p.addr, err))
}

func (p *Pool) get(ctx context.Context) (*poolConn, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, thrift.NewTTransportExceptionFromError(fmt.Errorf("%w (%s)", ErrPoolClosed, p.addr))
	}
	if n := len(p.idle); n > 0 {
		c := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return c, nil
	}
	p.mu.Unlock()
	conn, err := p.dialer.DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return nil, thrift.NewTTransportExceptionFromError(fmt.Errorf("kitthrift: dial %s: %w", p.addr, err))
	}
	fc := newFrameConn(conn, p.conf.GetMaxFrameSize(), true, 0)
	return &poolConn{conn: conn, client: thrift.NewTStandardClient(p.pf.GetProtocol(fc), p.pf.GetProtocol(fc))}, nil
}

func (p *Pool) put(c *poolConn) {
	p.mu.Lock()
	if p.closed || len(p.idle) >= p.cfg.MaxIdle {
		p.mu.Unlock()
		c.conn.Close()
		return
	}
	p.idle = append(p.idle, c)
	p.mu.Unlock()
}

// purge closes the idle connections.
func (p *Pool) purge() {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, c := range idle {
		c.conn.Close()
	}
}

// Close closes the idle connections and makes later calls fail with an
// error wrapping ErrPoolClosed; calls in flight finish and close their
// connections.
func (p *Pool) Close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.purge()
	return nil
}
