package config

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// DefaultCluster is the team's name under /switchboard/ in etcd when the
// config names none.
const DefaultCluster = "team"

// Etcd is where a team of serve nodes shares its accounts: serve.etcd,
// serve.node, serve.cluster and serve.etcd_tls. Empty Endpoints: a
// single serve on its own bbolt files.
type Etcd struct {
	Endpoints []string // client URLs, http:// or https://
	Node      string   // this node's name, unique in the cluster
	Cluster   string   // the prefix /switchboard/<Cluster>/
	TLS       EtcdTLS
	Line      int // of serve.etcd, for messages
}

// EtcdTLS are the files of the node's client certificate, its key and the
// CA that signed etcd's server certificates (paths relative to the
// config's directory).
type EtcdTLS struct {
	Cert, Key, CA string
}

// etcdFields are serve's fields about the cluster.
var etcdFields = []string{"etcd", "node", "cluster", "etcd_tls"}

// parseEtcdField reads one of etcdFields into e.
func (e *Etcd) parseField(path string, k, v *yaml.Node) error {
	fail := func(line int, msg, fix string) error { return &Error{File: path, Line: line, Msg: msg, Fix: fix} }
	switch k.Value {
	case "etcd":
		var list []string
		switch v.Kind {
		case yaml.ScalarNode:
			list = strings.Split(v.Value, ",")
		case yaml.SequenceNode:
			for _, item := range v.Content {
				list = append(list, item.Value)
			}
		default:
			return fail(v.Line, "serve.etcd must be a URL or a list of them", "e.g. etcd: [https://etcd1:2379, https://etcd2:2379]")
		}
		urls, err := EtcdEndpoints(strings.Join(list, ","))
		if err != nil {
			return fail(v.Line, "serve.etcd: "+err.Error(), "write each member's client URL, e.g. https://etcd1:2379")
		}
		e.Endpoints, e.Line = urls, v.Line
	case "node":
		if !nameRe.MatchString(v.Value) {
			return fail(v.Line, fmt.Sprintf("serve.node %q cannot be used as a node name", v.Value),
				"use letters, digits, '.', '_' or '-' (at most 40), one name per machine, e.g. node: alpha")
		}
		e.Node = v.Value
	case "cluster":
		if !nameRe.MatchString(v.Value) {
			return fail(v.Line, fmt.Sprintf("serve.cluster %q cannot be used as a cluster name", v.Value),
				"use letters, digits, '.', '_' or '-' (at most 40); every node of a team names the same")
		}
		e.Cluster = v.Value
	case "etcd_tls":
		return e.parseTLS(path, v)
	}
	return nil
}

// parseTLS reads serve.etcd_tls: cert and key together, ca alone or with
// them; every file must be there to read.
func (e *Etcd) parseTLS(path string, n *yaml.Node) error {
	fail := func(line int, msg, fix string) error { return &Error{File: path, Line: line, Msg: msg, Fix: fix} }
	if n.Kind != yaml.MappingNode {
		return fail(n.Line, "serve.etcd_tls must be a mapping with cert, key and ca", "e.g. etcd_tls: {cert: node.crt, key: node.key, ca: etcd-ca.crt}")
	}
	dir := filepath.Dir(path)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		var dst *string
		switch k.Value {
		case "cert":
			dst = &e.TLS.Cert
		case "key":
			dst = &e.TLS.Key
		case "ca":
			dst = &e.TLS.CA
		default:
			return fail(k.Line, fmt.Sprintf("unknown serve.etcd_tls field %q", k.Value), "etcd_tls fields are: cert, key, ca")
		}
		file := v.Value
		if file != "" && !filepath.IsAbs(file) {
			file = filepath.Join(dir, file)
		}
		if _, err := os.Stat(file); err != nil {
			return fail(v.Line, fmt.Sprintf("serve.etcd_tls.%s: %v", k.Value, err), "give the path of a PEM file this user can read")
		}
		*dst = file
	}
	if (e.TLS.Cert == "") != (e.TLS.Key == "") {
		return fail(n.Line, "serve.etcd_tls needs cert and key together", "give both the node's client certificate and its private key")
	}
	return nil
}

// check ties the cluster fields together once serve: is read.
func (e *Etcd) check(path string, line int) error {
	tls := e.TLS != (EtcdTLS{})
	switch {
	case len(e.Endpoints) == 0 && (tls || e.Cluster != ""):
		return &Error{File: path, Line: line, Msg: "serve.etcd_tls and serve.cluster need serve.etcd",
			Fix: "list etcd's client URLs under serve.etcd, or remove them"}
	case tls:
		for _, u := range e.Endpoints {
			if strings.HasPrefix(u, "http://") {
				return &Error{File: path, Line: e.Line, Msg: "serve.etcd_tls is set but " + u + " is not https",
					Fix: "use https:// URLs: the certificates are for a TLS connection"}
			}
		}
	}
	if e.Cluster == "" {
		e.Cluster = DefaultCluster
	}
	return nil
}

// EtcdEndpoints checks a comma-separated list of etcd client URLs (the
// config's serve.etcd or serve's --etcd).
func EtcdEndpoints(list string) ([]string, error) {
	var out []string
	for _, raw := range strings.Split(list, ",") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return nil, fmt.Errorf("%q is not an etcd client URL", raw)
		}
		out = append(out, u.Scheme+"://"+u.Host)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no URL given")
	}
	return out, nil
}
