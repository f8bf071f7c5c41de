package introspect_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/kitbench/kitbench/kit/introspect"
)

type staticLimiter struct{}

func (staticLimiter) LimiterInfo() introspect.Limiter {
	return introspect.Limiter{Name: "writes", Mode: "error", Rate: 10, Burst: 5, Tokens: 5}
}

func Example() {
	reg := introspect.NewRegistry(introspect.Info{Service: "books", InstanceID: "books-1"})
	reg.AddLimiter(staticLimiter{})

	h := introspect.NewHandler(reg)
	defer h.Close()
	admin, err := introspect.ListenAdmin("", h) // 127.0.0.1, a free port
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = admin.Shutdown(ctx)
	}()

	resp, err := http.Get("http://" + admin.Addr() + introspect.PathPrefix + "/limiters")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Print(resp.Status, "\n", string(body))
	// Output:
	// 200 OK
	// [{"name":"writes","mode":"error","rate":10,"burst":5,"tokens":5,"allowed":0,"rejected":0}]
}
