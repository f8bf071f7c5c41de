package invoke

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Command returns the grpcurl command line that makes the same call as
// req: same descriptor source, TLS options, headers and body. headerLines
// are the -H arguments as the user typed them, so ${VAR} stays unexpanded
// in the output (the shell expands it when the line is run) and secrets
// stay off the screen. No traceparent is printed: each run is its own
// trace. A short method name is resolved first, which may ask the server.
func (g *GRPCClient) Command(ctx context.Context, req Request, headerLines []string) (string, error) {
	full, err := g.Resolve(ctx, req.Method)
	if err != nil {
		return "", err
	}
	body, err := checkBody(req.Body)
	if err != nil {
		return "", err
	}
	args := append([]string{"grpcurl"}, g.tls.grpcurlFlags()...)
	args = append(args, g.sources...)
	for _, h := range headerLines {
		args = append(args, "-H", h)
	}
	if b, _ := compact(body); string(b) != "{}" {
		args = append(args, "-d", string(b))
	}
	if req.Timeout > 0 {
		args = append(args, "-max-time", strconv.FormatFloat(req.Timeout.Seconds(), 'f', -1, 64))
	}
	args = append(args, g.addr, full)
	return shellJoin(args), nil
}

// Command returns the curl command line that makes the same call as req
// (see GRPCClient.Command for headerLines).
func (h *HTTPClient) Command(req Request, headerLines []string) (string, error) {
	p, err := h.Plan(req)
	if err != nil {
		return "", err
	}
	args := append([]string{"curl", "-sS"}, h.tls.curlFlags()...)
	if p.Method != http.MethodGet || p.Body != nil {
		args = append(args, "-X", p.Method)
	}
	for _, line := range headerLines {
		args = append(args, "-H", line)
	}
	var auto []string
	for k := range p.Header {
		if k != "traceparent" && req.Header[k] == nil {
			auto = append(auto, k)
		}
	}
	slices.Sort(auto)
	for _, k := range auto {
		args = append(args, "-H", k+": "+strings.Join(p.Header[k], ", "))
	}
	if p.Body != nil {
		args = append(args, "-d", string(p.Body))
	}
	if req.Timeout > 0 {
		args = append(args, "--max-time", strconv.FormatFloat(req.Timeout.Seconds(), 'f', -1, 64))
	}
	args = append(args, p.URL)
	return shellJoin(args), nil
}

// shellJoin quotes args for a POSIX shell: single quotes, except that an
// argument naming ${VAR} is double-quoted so the shell expands it.
func shellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = shellQuote(a)
	}
	return strings.Join(out, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@,+") == "" {
		return s
	}
	if !strings.Contains(s, "${") {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\' || c == '`':
			b.WriteByte('\\')
		case c == '$' && !strings.HasPrefix(s[i:], "${"):
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
	return b.String()
}

// String renders a plan as "METHOD URL" for messages.
func (p *HTTPPlan) String() string { return fmt.Sprintf("%s %s", p.Method, p.URL) }
