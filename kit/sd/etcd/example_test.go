package etcd_test

import (
	"context"
	"fmt"
	"time"

	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/etcd"
)

// printing is a LeaseClient that prints what it is asked to do; a real
// program passes the *etcd.Conn from etcd.NewClient.
type printing struct{}

func (printing) Grant(_ context.Context, ttl time.Duration) (int64, error) {
	fmt.Println("grant", ttl)
	return 7, nil
}

func (printing) KeepAlive(context.Context, int64) (<-chan struct{}, error) {
	return make(chan struct{}), nil
}

func (printing) Put(_ context.Context, key, value string, lease int64) error {
	fmt.Printf("put %s (lease %d)\n%s\n", key, lease, value)
	return nil
}

func (printing) Delete(_ context.Context, key string) error {
	fmt.Println("delete", key)
	return nil
}

func (printing) Revoke(_ context.Context, lease int64) error {
	fmt.Println("revoke", lease)
	return nil
}

// A Registrar writes the instance as JSON under its service's prefix, on a
// lease it keeps alive, and removes it on Deregister.
func ExampleNewRegistrar() {
	r, err := etcd.NewRegistrar(printing{}, sd.Instance{
		ID: "book-1", Service: "book", Address: "127.0.0.1:8080",
		Meta: map[string]string{sd.MetaAdmin: "http://127.0.0.1:7070"},
	}, etcd.RegistrarOptions{TTL: 5 * time.Second})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	if err := r.Register(ctx); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("registered:", r.Status().Registered)
	_ = r.Deregister(ctx)
	// Output:
	// grant 5s
	// put /kit/services/book/book-1 (lease 7)
	// {"id":"book-1","service":"book","address":"127.0.0.1:8080","meta":{"kit_admin":"http://127.0.0.1:7070"},"health":"passing"}
	// registered: true
	// delete /kit/services/book/book-1
	// revoke 7
}
