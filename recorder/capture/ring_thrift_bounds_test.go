package capture_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/kitbench/kitbench/kit/introspect"
	kitthrift "github.com/kitbench/kitbench/kit/transport/thrift"
	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/capture"
)

// loginArgs is what the Thrift compiler would generate for
//
//	string Login(1: string user, 2: string password, 3: string api_token)
//
// written by hand so that the test needs no IDL of its own: the ring
// reads names from the tags only.
type loginArgs struct {
	User     string `thrift:"user,1"`
	Password string `thrift:"password,2"`
	APIToken string `thrift:"api_token,3"`
}

func (a *loginArgs) Write(ctx context.Context, p thrift.TProtocol) error {
	_ = p.WriteStructBegin(ctx, "Login_args")
	for i, v := range []string{a.User, a.Password, a.APIToken} {
		_ = p.WriteFieldBegin(ctx, "", thrift.STRING, int16(i+1))
		_ = p.WriteString(ctx, v)
		_ = p.WriteFieldEnd(ctx)
	}
	_ = p.WriteFieldStop(ctx)
	return p.WriteStructEnd(ctx)
}

func (a *loginArgs) Read(ctx context.Context, p thrift.TProtocol) error {
	return p.Skip(ctx, thrift.STRUCT)
}

// loginResult is the result struct: 0: string success.
type loginResult struct {
	Success string `thrift:"success,0"`
}

func (r *loginResult) Write(ctx context.Context, p thrift.TProtocol) error {
	_ = p.WriteStructBegin(ctx, "Login_result")
	_ = p.WriteFieldBegin(ctx, "success", thrift.STRING, 0)
	_ = p.WriteString(ctx, r.Success)
	_ = p.WriteFieldEnd(ctx)
	_ = p.WriteFieldStop(ctx)
	return p.WriteStructEnd(ctx)
}

func (r *loginResult) Read(ctx context.Context, p thrift.TProtocol) error {
	return p.Skip(ctx, thrift.STRUCT)
}

// loginProcessor serves Login, answering "welcome", as a generated
// processor does: through its processor map, which SocketServer wraps.
type loginProcessor struct {
	m map[string]thrift.TProcessorFunction
}

func newLoginProcessor() *loginProcessor {
	return &loginProcessor{m: map[string]thrift.TProcessorFunction{"Login": loginFunc{}}}
}

func (p *loginProcessor) Process(ctx context.Context, in, out thrift.TProtocol) (bool, thrift.TException) {
	name, _, seq, err := in.ReadMessageBegin(ctx)
	if err != nil {
		return false, thrift.WrapTException(err)
	}
	f, ok := p.m[name]
	if !ok {
		return false, thrift.NewTApplicationException(thrift.UNKNOWN_METHOD, name)
	}
	return f.Process(ctx, seq, in, out)
}

func (p *loginProcessor) ProcessorMap() map[string]thrift.TProcessorFunction { return p.m }
func (p *loginProcessor) AddToProcessorMap(name string, f thrift.TProcessorFunction) {
	p.m[name] = f
}

type loginFunc struct{}

func (loginFunc) Process(ctx context.Context, seq int32, in, out thrift.TProtocol) (bool, thrift.TException) {
	if err := in.Skip(ctx, thrift.STRUCT); err != nil {
		return false, thrift.WrapTException(err)
	}
	if err := in.ReadMessageEnd(ctx); err != nil {
		return false, thrift.WrapTException(err)
	}
	_ = out.WriteMessageBegin(ctx, "Login", thrift.REPLY, seq)
	_ = (&loginResult{Success: "welcome"}).Write(ctx, out)
	_ = out.WriteMessageEnd(ctx)
	return true, thrift.WrapTException(out.Flush(ctx))
}

// serveLogin serves the Login service on loopback with ring's observer
// and returns its address.
func serveLogin(t *testing.T, ring *capture.Ring, names bool) string {
	t.Helper()
	var methods []capture.ThriftMethod
	if names {
		methods = append(methods, capture.ThriftMethod{Name: "Login", Args: new(loginArgs), Result: new(loginResult)})
	}
	srv := kitthrift.NewSocketServer(newLoginProcessor(), kitthrift.SocketConfig{Observe: ring.Thrift(methods...)})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = srv.Serve(ln); close(done) }()
	t.Cleanup(func() { _ = srv.Close(); <-done })
	return ln.Addr().String()
}

func login(t *testing.T, pool *kitthrift.Pool, a *loginArgs) {
	t.Helper()
	var r loginResult
	if _, err := pool.Call(context.Background(), "Login", a, &r); err != nil {
		t.Fatal(err)
	}
}

// TestRingThriftRedactsSecretFields sends a password and an API token in
// Thrift string fields to a real SocketServer: with the generated types'
// names, /exchanges shows the fields by name and never the secrets;
// without them, fields are shown by id, and a secret that looks like one
// (a JWT) is still replaced.
func TestRingThriftRedactsSecretFields(t *testing.T) {
	const password, token = "hunter2-pw-value", "tok-9f8e7d6c5b4a"
	const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJlLXZhbHVl"
	for _, names := range []bool{true, false} {
		t.Run(fmt.Sprintf("names=%v", names), func(t *testing.T) {
			ring, err := capture.NewRing(capture.Options{Service: "login"}, capture.RingOptions{})
			if err != nil {
				t.Fatal(err)
			}
			adminAddr := serveRingAdmin(t, ring, "login")
			for _, p := range []kitthrift.Protocol{kitthrift.Binary, kitthrift.Compact} {
				pool := kitthrift.NewPool(serveLogin(t, ring, names), kitthrift.PoolConfig{Protocol: p})
				defer pool.Close()
				login(t, pool, &loginArgs{User: "ada", Password: password, APIToken: token})
				login(t, pool, &loginArgs{User: "ada", Password: jwt, APIToken: jwt})
			}
			s, raw, _ := exchanges(t, adminAddr, "limit=10")
			if len(s.Exchanges) != 4 {
				t.Fatalf("%d exchanges, want 4:\n%s", len(s.Exchanges), raw)
			}
			if strings.Contains(string(raw), jwt[:20]) {
				t.Errorf("a JWT in a Thrift field is in /exchanges:\n%s", raw)
			}
			if !names {
				if !bytes.Contains(raw, []byte(`"1":"ada"`)) || !bytes.Contains(raw, []byte(`"0":"welcome"`)) {
					t.Errorf("without names, fields keyed by id:\n%s", raw)
				}
				return
			}
			for _, secret := range []string{password, token} {
				if strings.Contains(string(raw), secret) {
					t.Errorf("secret %q is in /exchanges:\n%s", secret, raw)
				}
			}
			for _, want := range []string{`"1:user":"ada"`, `"2:password":"` + recorder.Placeholder + `"`, `"3:api_token":"` + recorder.Placeholder + `"`, `"0:success":"welcome"`} {
				if !bytes.Contains(raw, []byte(want)) {
					t.Errorf("/exchanges lacks %s:\n%s", want, raw)
				}
			}
		})
	}
}

// TestRingThriftBoundsUnderConcurrentCalls serves Thrift calls of every
// size from 4 clients at once, over loopback, into a small Ring: it never
// holds more exchanges than its slots nor more bytes than its bound, every
// call is counted, and a message over a slot is kept truncated and never
// rendered in part.
func TestRingThriftBoundsUnderConcurrentCalls(t *testing.T) {
	const size, bytesBound = 8, 8 << 10 // 1 KiB a slot (no failures here)
	ring, err := capture.NewRing(capture.Options{Service: "login"}, capture.RingOptions{Size: size, Failures: -1, Bytes: bytesBound})
	if err != nil {
		t.Fatal(err)
	}
	addr := serveLogin(t, ring, true)
	const clients, each = 4, 50
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pool := kitthrift.NewPool(addr, kitthrift.PoolConfig{Protocol: kitthrift.Protocol(c % 2)})
			defer pool.Close()
			for i := range each {
				var r loginResult
				user := strings.Repeat("u", (i*97)%3000) // some over a slot
				if _, err := pool.Call(context.Background(), "Login", &loginArgs{User: user}, &r); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	var out bytes.Buffer
	page, err := ring.WriteExchanges(&out, introspect.ExchangeQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if page.Count != size {
		t.Errorf("read %d exchanges after %d calls, want every slot (%d)", page.Count, clients*each, size)
	}
	s, err := recorder.Read(&out, recorder.ReadOptions{})
	if err != nil || len(s.Errors) > 0 {
		t.Fatalf("the answer does not read back: %v %v", err, s.Errors)
	}
	for _, ex := range s.Exchanges {
		b := ex.Request.Body
		if b == nil || (b.JSON == nil) == !b.Truncated || b.Bytes != nil {
			t.Errorf("exchange %s: request body %s: want whole JSON or marked truncated, never bytes", ex.ID, bodyText(b))
		}
	}
	st := ring.Stats()
	if st.Recorded+st.Lapped != clients*each || st.Truncated == 0 {
		t.Errorf("stats %+v after %d calls: want every call counted and some truncated", st, clients*each)
	}
	if held := capture.RingHeldBytes(ring); held > bytesBound {
		t.Errorf("the ring holds %d bytes, bound %d", held, bytesBound)
	}
}
