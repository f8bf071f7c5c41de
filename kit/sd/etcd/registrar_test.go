package etcd

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/kitbench/kitbench/kit/sd"
)

var book1 = sd.Instance{ID: "book-1", Service: "book", Address: "127.0.0.1:8080", Tags: []string{"http"},
	Meta: map[string]string{sd.MetaAdmin: "http://127.0.0.1:7070"}}

func TestRegistrarRegistersAgainAfterLosingItsLease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeLease{}
		r, err := NewRegistrar(f, book1, RegistrarOptions{TTL: 3 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		metric := r.Collector()
		if err := r.Register(t.Context()); err != nil {
			t.Fatal(err)
		}
		st := r.Status()
		if !st.Registered || st.Lease != 101 || st.Key != "/kit/services/book/book-1" || st.ReRegistrations != 0 {
			t.Fatalf("status after Register: %+v", st)
		}
		// Revoked (or expired): the keep-alive channel closes.
		f.lose(101)
		synctest.Wait()
		st = r.Status()
		if !st.Registered || st.Lease != 102 || st.ReRegistrations != 1 {
			t.Fatalf("status after the lease was lost: %+v", st)
		}
		puts, _, _, _ := f.record()
		if want := []string{"/kit/services/book/book-1 101", "/kit/services/book/book-1 102"}; !slices.Equal(puts, want) {
			t.Fatalf("puts %v, want %v", puts, want)
		}
		if got := testutil.ToFloat64(metric); got != 1 {
			t.Fatalf("%s = %v, want 1", ReRegistrationsName, got)
		}

		// etcd is down for a while: grants fail, retried with jittered,
		// growing backoff; the status says why meanwhile.
		down := errors.New("etcdserver: request timed out")
		f.mu.Lock()
		f.grantErr = func(n int) error {
			if n < 6 {
				return down
			}
			return nil
		}
		f.mu.Unlock()
		f.lose(102)
		synctest.Wait()
		if st := r.Status(); st.Registered || st.Lease != 0 || !errors.Is(st.Err, down) {
			t.Fatalf("status while etcd is down: %+v", st)
		}
		time.Sleep(time.Minute)
		st = r.Status()
		if !st.Registered || st.ReRegistrations != 2 || st.Err != nil {
			t.Fatalf("status after etcd came back: %+v", st)
		}
		_, _, _, grants := f.record()
		// grants[2] is the immediate retry; then 500ms, 1s, 2s, 4s doubling.
		for i, d := range []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second} {
			gap := grants[i+3].Sub(grants[i+2])
			if gap < d/2 || gap > d {
				t.Errorf("retry %d after %v, want %v..%v", i+1, gap, d/2, d)
			}
		}
		if got := testutil.ToFloat64(metric); got != 2 {
			t.Fatalf("%s = %v, want 2", ReRegistrationsName, got)
		}

		if err := r.Deregister(t.Context()); err != nil {
			t.Fatal(err)
		}
		_, deletes, revokes, _ := f.record()
		if !slices.Equal(deletes, []string{st.Key}) || !slices.Equal(revokes, []int64{st.Lease}) {
			t.Fatalf("Deregister deleted %v and revoked %v, want %s and %d", deletes, revokes, st.Key, st.Lease)
		}
		if st := r.Status(); st.Registered || st.Lease != 0 {
			t.Fatalf("status after Deregister: %+v", st)
		}
		// Losing the old lease after Deregister changes nothing.
		f.lose(st.Lease)
		synctest.Wait()
		if _, _, _, g := f.record(); len(g) != len(grants) {
			t.Fatal("granted a lease after Deregister")
		}
	})
}

func TestRegistrarRegisterFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		boom := errors.New("etcdserver: no leader")
		f := &fakeLease{putErr: boom}
		r, err := NewRegistrar(f, book1, RegistrarOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Register(t.Context()); !errors.Is(err, boom) {
			t.Fatalf("Register = %v, want %v", err, boom)
		}
		// The lease granted for the failed put is revoked, and nothing runs.
		if _, _, revokes, _ := f.record(); !slices.Equal(revokes, []int64{101}) {
			t.Fatalf("revokes %v, want [101]", revokes)
		}
		if st := r.Status(); st.Registered {
			t.Fatalf("status %+v", st)
		}
		f.mu.Lock()
		f.putErr = nil
		f.mu.Unlock()
		if err := r.Register(t.Context()); err != nil {
			t.Fatal(err)
		}
		// Register again while registered: the same lease, written again.
		if err := r.Register(t.Context()); err != nil {
			t.Fatal(err)
		}
		puts, _, _, grants := f.record()
		if len(grants) != 2 || puts[len(puts)-1] != "/kit/services/book/book-1 102" || len(puts) != 3 {
			t.Fatalf("grants %d, puts %v", len(grants), puts)
		}
		if err := r.Deregister(t.Context()); err != nil {
			t.Fatal(err)
		}
		if err := r.Deregister(t.Context()); err != nil { // idempotent
			t.Fatal(err)
		}
	})
}

func TestNewRegistrarRejectsBadInstances(t *testing.T) {
	for _, inst := range []sd.Instance{
		{Service: "book", Address: "127.0.0.1:1"},
		{ID: "a", Address: "127.0.0.1:1"},
		{ID: "a/b", Service: "book", Address: "127.0.0.1:1"},
		{ID: "a", Service: "bo/ok", Address: "127.0.0.1:1"},
		{ID: "a", Service: "book", Address: "127.0.0.1"},
		{ID: "a", Service: "book", Address: ":80"},
		{ID: "a", Service: "book", Address: "127.0.0.1:0"},
		{ID: "a", Service: "book", Address: "127.0.0.1:1", Health: "maintenance"},
	} {
		if _, err := NewRegistrar(&fakeLease{}, inst, RegistrarOptions{}); !errors.Is(err, ErrInvalidInstance) {
			t.Errorf("NewRegistrar(%+v) = %v, want ErrInvalidInstance", inst, err)
		}
	}
}

// TestValueLayout pins the documented JSON of an instance's value.
func TestValueLayout(t *testing.T) {
	v, err := encode(book1)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"book-1","service":"book","address":"127.0.0.1:8080","tags":["http"],"meta":{"kit_admin":"http://127.0.0.1:7070"},"health":"passing"}`
	if v != want {
		t.Fatalf("value\n%s\nwant\n%s", v, want)
	}
	var back sd.Instance
	if err := json.Unmarshal([]byte(v), &back); err != nil || back.Meta[sd.MetaAdmin] == "" {
		t.Fatal(err)
	}
	if k := Key("", book1); k != "/kit/services/book/book-1" {
		t.Fatalf("key %q", k)
	}
	if k := Key("/x", book1); k != "/x/book/book-1" {
		t.Fatalf("key %q", k)
	}
}

func TestEndpoints(t *testing.T) {
	t.Setenv("ETCDCTL_ENDPOINTS", "")
	if got := Endpoints(""); !slices.Equal(got, []string{DefaultEndpoint}) {
		t.Fatalf("default %v", got)
	}
	t.Setenv("ETCDCTL_ENDPOINTS", "http://10.1.1.1:2379, 10.1.1.2:2379")
	if got := Endpoints(" "); !slices.Equal(got, []string{"http://10.1.1.1:2379", "10.1.1.2:2379"}) {
		t.Fatalf("from ETCDCTL_ENDPOINTS %v", got)
	}
	if got := Endpoints("127.0.0.1:1,,"); !slices.Equal(got, []string{"127.0.0.1:1"}) {
		t.Fatalf("explicit %v", got)
	}
	if _, err := NewClient(",,"); !errors.Is(err, ErrNoEndpoints) {
		t.Fatalf("NewClient(\",,\") = %v", err)
	}

}
