package invoke

import (
	"crypto/tls"
	"fmt"

	"github.com/fullstorydev/grpcurl"
)

// TLS chooses transport security for both transports. The zero value is
// plaintext, which suits the loopback and private-network listeners kit
// services open by default; setting any field turns TLS on.
type TLS struct {
	// Enabled uses TLS, verifying the server against the system roots.
	Enabled bool
	// Insecure uses TLS without verifying the server's certificate.
	Insecure bool
	// CACert is a PEM file of CAs to verify the server with; empty means
	// the system roots.
	CACert string
	// Cert and Key are PEM files of a client certificate for mutual TLS;
	// empty means none. One without the other is an error.
	Cert, Key string
}

// On reports whether TLS is used.
func (t TLS) On() bool {
	return t.Enabled || t.Insecure || t.CACert != "" || t.Cert != "" || t.Key != ""
}

// Config builds the client TLS configuration; nil (and no error) when TLS
// is off.
func (t TLS) Config() (*tls.Config, error) {
	if !t.On() {
		return nil, nil
	}
	if (t.Cert == "") != (t.Key == "") {
		return nil, fmt.Errorf("%w: a client certificate needs both --cert and --key", ErrBadRequest)
	}
	cfg, err := grpcurl.ClientTLSConfig(t.Insecure, t.CACert, t.Cert, t.Key)
	if err != nil {
		return nil, fmt.Errorf("TLS: %w", err)
	}
	cfg.MinVersion = tls.VersionTLS12
	return cfg, nil
}

// flags renders the options as command-line flags shared by grpcurl and
// kitbench (curl's differ; see curlTLSFlags).
func (t TLS) grpcurlFlags() []string {
	if !t.On() {
		return []string{"-plaintext"}
	}
	var f []string
	if t.Insecure {
		f = append(f, "-insecure")
	}
	if t.CACert != "" {
		f = append(f, "-cacert", t.CACert)
	}
	if t.Cert != "" {
		f = append(f, "-cert", t.Cert, "-key", t.Key)
	}
	return f
}

func (t TLS) curlFlags() []string {
	var f []string
	if t.Insecure {
		f = append(f, "--insecure")
	}
	if t.CACert != "" {
		f = append(f, "--cacert", t.CACert)
	}
	if t.Cert != "" {
		f = append(f, "--cert", t.Cert, "--key", t.Key)
	}
	return f
}
