package workbench

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// callFlagSet is the part of kitbench call's flags the translation needs
// to know: which take a value.
func callFlagSet() *pflag.FlagSet {
	fs := pflag.NewFlagSet("call", pflag.ContinueOnError)
	fs.StringP("data", "d", "", "")
	fs.StringArrayP("header", "H", nil, "")
	fs.StringArrayP("path-param", "p", nil, "")
	fs.StringP("output", "o", "", "")
	fs.BoolP("verbose", "v", false, "")
	fs.String("target", "", "")
	fs.String("consul", "", "")
	fs.Duration("timeout", 0, "")
	fs.Duration("connect-timeout", 0, "")
	fs.Bool("plaintext", false, "")
	fs.Bool("all", false, "")
	return fs
}

func TestTranslateGrpcurl(t *testing.T) {
	for _, tc := range []struct {
		in, want string // arguments, space-separated
	}{
		// kitbench's own spelling is left alone, values included.
		{"bookstore.GetBook -d {} -H a:b -p id=1 -o json", "bookstore.GetBook -d {} -H a:b -p id=1 -o json"},
		{"--target 127.0.0.1:1 --plaintext svc.M", "--target 127.0.0.1:1 --plaintext svc.M"},
		{"-p plaintext=1 svc.M", "-p plaintext=1 svc.M"}, // -p's value is not a flag
		{"-d -plaintext svc.M", "-d -plaintext svc.M"},   // nor -d's
		{"--timeout 2s s.M", "--timeout 2s s.M"},
		// grpcurl's single-dash long flags.
		{"-plaintext s.M", "--plaintext s.M"},
		{"-plaintext=false s.M", "--plaintext=false s.M"},
		{"-insecure -cacert ca.pem -cert c.pem -key k.pem s.M", "--insecure --cacert=ca.pem --cert=c.pem --key=k.pem s.M"},
		{"-import-path ./pb -proto book.proto -protoset x.bin s.M", "--import-path=./pb --proto=book.proto --protoset=x.bin s.M"},
		{"-rpc-header a:b -expand-headers s.M", "-H=a:b s.M"},
		{"-format json -vv s.M", "-v s.M"},
		{"-format=json s.M", "s.M"},
		// grpcurl's seconds, and grpcurl's @ for stdin.
		{"-max-time 2.5 s.M", "--timeout=2.5s s.M"},
		{"-max-time=10 -connect-timeout 0.25 s.M", "--timeout=10s --connect-timeout=250ms s.M"},
		{"--connect-timeout 3 s.M", "--connect-timeout=3s s.M"},
		{"-d @ s.M", "-d @ s.M"}, // Input reads "@" as stdin
		// grpcurl's positional address: --target, and grpcurl's JSON names.
		{"-plaintext localhost:50051 list", "--plaintext --target localhost:50051 --wire-json list"},
		{"-d {} 127.0.0.1:9 pkg.S/M", "-d {} --target 127.0.0.1:9 --wire-json pkg.S/M"},
		{"-plaintext [::1]:50051 describe pkg.S", "--plaintext --target [::1]:50051 --wire-json describe pkg.S"},
		// an address is not a --target when a source is named.
		{"--consul 127.0.0.1:8500 127.0.0.1:9 s.M", "--consul 127.0.0.1:8500 127.0.0.1:9 s.M"},
		{"-- -plaintext", "-- -plaintext"},
		{"-- 127.0.0.1:1 s.M", "-- 127.0.0.1:1 s.M"},
	} {
		got, err := TranslateGrpcurl(strings.Fields(tc.in), callFlagSet())
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if want := strings.Fields(tc.want); !slices.Equal(got, want) {
			t.Errorf("%q:\n got %q\nwant %q", tc.in, got, want)
		}
	}
}

// TestTranslateGrpcurlHints checks that a grpcurl flag kitbench cannot
// honour is refused in one line that says what to do, with exit status 1.
func TestTranslateGrpcurlHints(t *testing.T) {
	for in, want := range map[string]string{
		"-emit-defaults s.M":               "describe SERVICE.METHOD",
		"-format text s.M":                 "drop -format",
		"-format-error s.M":                "-o json",
		"-msg-template s.M":                "describe SERVICE.METHOD",
		"-allow-unknown-fields s.M":        "remove them from -d",
		"-authority x s.M":                 "--print-grpcurl",
		"-max-time soon s.M":               "want seconds",
		"-max-time":                        "needs a value",
		"-reflect-header a:b s.M":          "drop it",
		"-plaintext -version":              "kitbench --version",
		"-plaintext -use-reflection=false": "drop it",
	} {
		_, err := TranslateGrpcurl(strings.Fields(in), callFlagSet())
		var ee *ExitError
		if !errors.As(err, &ee) || ee.Code != ExitUsage || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: %v, want one line with %q", in, err, want)
		}
	}
}

func TestTranslateGrpcurlSecondsMatchDurations(t *testing.T) {
	got, err := TranslateGrpcurl([]string{"-max-time", "0.001"}, callFlagSet())
	if err != nil {
		t.Fatal(err)
	}
	d, err := time.ParseDuration(strings.TrimPrefix(got[0], "--timeout="))
	if err != nil || d != time.Millisecond {
		t.Fatalf("%q: %v %v", got, d, err)
	}
}

func TestParseCallArgs(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want CallArgs
		err  string
	}{
		{args: nil, err: "name the method to call: kitbench call SERVICE.METHOD"},
		{args: []string{"bookstore.GetBook"}, want: CallArgs{Name: "bookstore.GetBook"}},
		{args: []string{"list"}, want: CallArgs{Verb: "list"}},
		{args: []string{"list", "bookstore.v1.BookService"}, want: CallArgs{Verb: "list", Name: "bookstore.v1.BookService"}},
		{args: []string{"describe", ".bookstore.v1.Book"}, want: CallArgs{Verb: "describe", Name: "bookstore.v1.Book"}},
		{args: []string{"bookstore.GetBook", `{"id":"1"}`}, err: `the request goes in -d: kitbench call bookstore.GetBook -d '{"id":"1"}'`},
		{args: []string{"127.0.0.1:1", "s.M"}, err: "both name an address"},
		{args: []string{"a.B", "c.D", "e.F"}, err: "takes one SERVICE.METHOD, got 3"},
	} {
		got, err := ParseCallArgs(tc.args)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: %v, want %q", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q: %+v %v, want %+v", tc.args, got, err, tc.want)
		}
	}
}
