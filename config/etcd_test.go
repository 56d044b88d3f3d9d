package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The cluster fields of serve: read, paths resolved next to the config,
// and every mistake named with its line and a fix.
func TestServeEtcdFields(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"node.crt", "node.key", "ca.crt"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("pem"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "sb.yaml")
	text := oneAccount + `serve:
  etcd: [https://etcd1:2379, "https://etcd2:2379/"]
  node: alpha
  etcd_tls: {cert: node.crt, key: node.key, ca: ca.crt}
`
	cfg, err := Parse(path, []byte(text), 0o600, env(map[string]string{"K": "k"}))
	if err != nil {
		t.Fatal(err)
	}
	e := cfg.Serve.Etcd
	if !slices.Equal(e.Endpoints, []string{"https://etcd1:2379", "https://etcd2:2379"}) || e.Node != "alpha" ||
		e.Cluster != DefaultCluster || e.TLS.Key != filepath.Join(dir, "node.key") {
		t.Fatalf("parsed %+v", e)
	}

	bad := []struct{ yaml, msg string }{
		{"  etcd: etcd1:2379\n", "not an etcd client URL"},
		{"  etcd: https://e:2379\n  node: \"a b\"\n", "cannot be used as a node name"},
		{"  etcd: http://e:2379\n  etcd_tls: {ca: ca.crt}\n", "is not https"},
		{"  etcd: https://e:2379\n  etcd_tls: {cert: node.crt}\n", "cert and key together"},
		{"  etcd: https://e:2379\n  etcd_tls: {ca: missing.crt}\n", "missing.crt"},
		{"  cluster: blue\n", "need serve.etcd"},
	}
	for _, c := range bad {
		_, err := Parse(path, []byte(oneAccount+"serve:\n"+c.yaml), 0o600, env(map[string]string{"K": "k"}))
		var ce *Error
		if !errors.As(err, &ce) || !strings.Contains(ce.Msg, c.msg) || ce.Line == 0 || ce.Fix == "" {
			t.Errorf("%q: got %v, want an error with a line and a fix saying %q", c.yaml, err, c.msg)
		}
	}
}
