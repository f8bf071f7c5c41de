package workbench

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// grpcurlFlag is how one of grpcurl's flags is spelled for `kitbench
// call`: another flag, nothing (kitbench already behaves so), or a hint.
type grpcurlFlag struct {
	// to is kitbench's flag ("--timeout"); empty drops the flag.
	to string
	// value says the flag takes a value (grpcurl's bool flags do not).
	value bool
	// seconds converts the value from grpcurl's seconds ("2.5") to a
	// duration ("2.5s").
	seconds bool
	// hint, when set, refuses the flag: it is what to do instead.
	hint string
}

// noTwin is the hint of a grpcurl flag kitbench has no use for.
const noTwin = "kitbench has no such option: drop it, or run grpcurl itself (--print-grpcurl prints the command)"

// grpcurlFlags is the translation table: grpcurl's flags (as grpcurl
// 1.9 names them) to kitbench call's. A flag missing here is left to
// kitbench's parser.
var grpcurlFlags = map[string]grpcurlFlag{
	"plaintext":       {to: "--plaintext"},
	"insecure":        {to: "--insecure"},
	"cacert":          {to: "--cacert", value: true},
	"cert":            {to: "--cert", value: true},
	"key":             {to: "--key", value: true},
	"d":               {to: "-d", value: true},
	"H":               {to: "-H", value: true},
	"rpc-header":      {to: "-H", value: true},
	"max-time":        {to: "--timeout", value: true, seconds: true},
	"connect-timeout": {to: "--connect-timeout", value: true, seconds: true},
	"import-path":     {to: "--import-path", value: true},
	"proto":           {to: "--proto", value: true},
	"protoset":        {to: "--protoset", value: true},
	"format":          {value: true}, // json is kitbench's only format; text is refused in translateValue
	"expand-headers":  {},            // kitbench always expands ${VAR} in -H
	"v":               {to: "-v"},
	"vv":              {to: "-v"},
	"help":            {to: "--help"},

	"emit-defaults":               {hint: "kitbench prints the fields the server set; 'kitbench describe SERVICE.METHOD' shows every field"},
	"allow-unknown-fields":        {hint: "kitbench refuses unknown fields so a typo is not sent as an empty field: remove them from -d"},
	"format-error":                {hint: "use -o json: its envelope carries the status, the message and the reason"},
	"msg-template":                {hint: "use 'kitbench describe SERVICE.METHOD': it prints the request's template"},
	"reflect-header":              {value: true, hint: "kitbench sends -H with the call only, not with reflection requests: drop it"},
	"use-reflection":              {value: true, hint: "kitbench uses reflection unless --proto or --protoset is given: drop it"},
	"version":                     {hint: "use 'kitbench --version'"},
	"authority":                   {value: true, hint: noTwin},
	"user-agent":                  {value: true, hint: noTwin},
	"servername":                  {value: true, hint: noTwin},
	"keepalive-time":              {value: true, hint: noTwin},
	"max-msg-sz":                  {value: true, hint: noTwin},
	"protoset-out":                {value: true, hint: noTwin},
	"proto-out-dir":               {value: true, hint: noTwin},
	"unix":                        {hint: noTwin},
	"alts":                        {hint: noTwin},
	"alts-handshaker-service":     {value: true, hint: noTwin},
	"alts-target-service-account": {value: true, hint: noTwin},
}

// TranslateGrpcurl rewrites the arguments of `kitbench call` typed with
// grpcurl's habits into kitbench's spelling: single-dash long flags
// (-plaintext, -max-time 5), values in grpcurl's units (seconds), and an
// address before the method (host:port pkg.Service/Method) becoming
// --target and --wire-json, since a line of grpcurl's form means
// grpcurl's output, gRPC's canonical JSON names included. fs holds
// kitbench call's flags: one of them that takes a value ("-o",
// "--target") keeps the next argument, which is never taken for a flag.
// A grpcurl flag kitbench cannot honour is an ExitUsage error of one line
// that says what to do instead. Arguments after "--" are left alone.
func TranslateGrpcurl(args []string, fs *pflag.FlagSet) ([]string, error) {
	var out []string
	first := -1 // out's index of the first positional argument
	target := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			out = append(out, args[i:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			if first < 0 {
				first = len(out)
			}
			out = append(out, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		gf, known := grpcurlFlags[name]
		own := name == "max-time" && strings.HasPrefix(a, "--")     // kitbench's stream limit; grpcurl's -max-time is --timeout
		if !known || own || (len(name) == 1 && gf.to == "-"+name) { // kitbench's own flag
			if isSource(name) {
				target = true
			}
			out = append(out, a)
			if !hasVal && takesValue(fs, a) && i+1 < len(args) {
				i++
				out = append(out, args[i])
			}
			continue
		}
		if gf.value && !hasVal {
			if i+1 == len(args) {
				return nil, Exitf(ExitUsage, "-%s needs a value", name)
			}
			i++
			val = args[i]
		}
		if gf.hint != "" {
			return nil, Exitf(ExitUsage, "grpcurl's -%s: %s", name, gf.hint)
		}
		v, err := translateValue(name, gf, val)
		if err != nil {
			return nil, Exit(ExitUsage, err)
		}
		switch {
		case gf.to == "":
		case gf.value:
			out = append(out, gf.to+"="+v)
		case hasVal:
			out = append(out, gf.to+"="+val) // -plaintext=false
		default:
			out = append(out, gf.to)
		}
	}
	if !target && first >= 0 && isAddress(out[first]) {
		out = slices.Insert(out, first, "--target")
		out = slices.Insert(out, first+2, "--wire-json")
	}
	return out, nil
}

// translateValue converts a grpcurl flag's value to kitbench's.
func translateValue(name string, gf grpcurlFlag, val string) (string, error) {
	switch {
	case name == "format" && val != "json":
		return "", fmt.Errorf("grpcurl's -format %s: kitbench prints JSON only: drop -format", val)
	case name == "d" && val == "@":
		return "@-", nil
	case gf.seconds:
		if _, err := time.ParseDuration(val); err == nil {
			return val, nil
		}
		s, err := strconv.ParseFloat(val, 64)
		if err != nil || s < 0 {
			return "", fmt.Errorf("-%s %q: want seconds, as grpcurl takes them (2.5), or a duration (2.5s)", name, val)
		}
		return time.Duration(s * float64(time.Second)).String(), nil
	}
	return val, nil
}

// takesValue reports whether flag, one of fs's as typed ("-o",
// "--target"), takes the next argument as its value.
func takesValue(fs *pflag.FlagSet, flag string) bool {
	var f *pflag.Flag
	if name, ok := strings.CutPrefix(flag, "--"); ok {
		f = fs.Lookup(name)
	} else if len(flag) == 2 {
		f = fs.ShorthandLookup(flag[1:])
	}
	return f != nil && f.NoOptDefVal == ""
}

// isSource reports whether a kitbench flag names where to call, so an
// address among the arguments is not taken for one.
func isSource(name string) bool {
	switch name {
	case "target", "consul", "etcd", "instance":
		return true
	}
	return false
}

// isAddress reports whether a positional argument is a grpcurl address,
// host:port, rather than a method or a verb.
func isAddress(s string) bool {
	host, port, err := net.SplitHostPort(s)
	if err != nil || strings.ContainsAny(host, "/") {
		return false
	}
	_, err = strconv.ParseUint(port, 10, 16)
	return err == nil
}

// CallArgs is what `kitbench call`'s positional arguments ask for.
type CallArgs struct {
	// Verb is "" (call Name), "list" or "describe", grpcurl's verbs.
	Verb string
	// Name is the method to call, or the verb's symbol ("" for every
	// service).
	Name string
}

// errCallUsage is the hint of a `kitbench call` with no method.
var errCallUsage = errors.New("name the method to call: kitbench call SERVICE.METHOD [-d JSON] (services: 'kitbench list'; methods: 'kitbench call list SERVICE')")

// ParseCallArgs reads `kitbench call`'s positional arguments: a method,
// or grpcurl's `list [SERVICE]` and `describe [SYMBOL]`. Anything else is
// an ExitUsage error that says what to type.
func ParseCallArgs(args []string) (CallArgs, error) {
	switch {
	case len(args) == 0:
		return CallArgs{}, Exit(ExitUsage, errCallUsage)
	case (args[0] == "list" || args[0] == "describe") && len(args) <= 2:
		c := CallArgs{Verb: args[0]}
		if len(args) == 2 {
			c.Name = strings.TrimPrefix(args[1], ".")
		}
		return c, nil
	case len(args) == 1:
		return CallArgs{Name: args[0]}, nil
	case len(args) == 2 && isAddress(args[0]):
		return CallArgs{}, Exitf(ExitUsage, "%q and --target both name an address: give one", args[0])
	case len(args) == 2 && strings.HasPrefix(strings.TrimSpace(args[1]), "{"):
		return CallArgs{}, Exitf(ExitUsage, "the request goes in -d: kitbench call %s -d '%s'", args[0], args[1])
	}
	return CallArgs{}, Exitf(ExitUsage, "kitbench call takes one SERVICE.METHOD, got %d arguments (%s)", len(args), strings.Join(args, " "))
}

// CallChecks are the flags of `kitbench call` that may contradict each
// other, as given.
type CallChecks struct {
	Output                               string // -o
	Plaintext, All, PrintGRPC, PrintCurl bool
	Source                               Source
	Conn                                 ConnectOptions
	Input                                Input
}

// Check refuses contradictory flags with an ExitUsage error that says
// which to drop.
func (c CallChecks) Check() error {
	usage := func(format string, args ...any) error { return Exitf(ExitUsage, format, args...) }
	switch {
	case c.Output != "" && c.Output != "json":
		return usage("-o %q: the only format is json", c.Output)
	case c.Plaintext && c.Conn.TLS.On():
		return usage("--plaintext contradicts --tls, --insecure, --cacert and --cert")
	case c.Source.Etcd != "" && c.Source.Consul != "":
		return usage("--etcd and --consul name different registries: give one")
	case c.PrintGRPC && c.PrintCurl:
		return usage("--print-grpcurl and --print-curl: choose one")
	case c.PrintGRPC && c.Conn.HTTP:
		return usage("--print-grpcurl prints a gRPC call; drop --http or use --print-curl")
	case c.All && c.Source.Instance != "":
		return usage("--all calls every instance; drop --instance")
	case c.All && (c.PrintGRPC || c.PrintCurl):
		return usage("--print-* prints one call; drop --all")
	case c.Input.Timeout < 0 || c.Source.Timeout <= 0:
		return usage("--timeout and --connect-timeout must be positive")
	}
	return nil
}
