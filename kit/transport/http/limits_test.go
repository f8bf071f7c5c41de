package http_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/internal/testutil"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
)

func TestNewHTTPServerDefaults(t *testing.T) {
	s := kithttp.NewHTTPServer("127.0.0.1:0", http.NotFoundHandler())
	if s.ReadHeaderTimeout <= 0 || s.ReadTimeout <= 0 || s.WriteTimeout <= 0 || s.IdleTimeout <= 0 {
		t.Errorf("timeouts left off: %+v", s)
	}
	if s.MaxHeaderBytes <= 0 || s.MaxHeaderBytes >= 64<<10 {
		t.Errorf("MaxHeaderBytes %d, want a limit below 64 KiB", s.MaxHeaderBytes)
	}
}

// A client that sends half a header and stops is disconnected by the
// header timeout instead of holding the connection.
func TestHalfSentHeaderIsClosed(t *testing.T) {
	testutil.NoLeaks(t)
	base := serve(t, bookServer(), func(s *http.Server) { s.ReadHeaderTimeout = 100 * time.Millisecond })
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "POST /books HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl"); err != nil {
		t.Fatal(err)
	}
	// Generous bound: only a server that never closes fails this.
	if err := conn.SetReadDeadline(time.Now().Add(20 * time.Second)); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(conn)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatal("server kept a half-sent request open")
	}
	if len(got) != 0 {
		t.Errorf("server answered a half-sent header with %q, want a silent close", got)
	}
}

func TestHugeHeaderIs431(t *testing.T) {
	testutil.NoLeaks(t)
	base := serve(t, bookServer())
	resp, _ := do(t, newClient(t), "POST", base+"/books", `{"title":"x"}`, "X-Big", strings.Repeat("a", 64<<10))
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("64 KiB header: status %d, want 431", resp.StatusCode)
	}
}
