// Package cluster holds what the cluster packages share: the layout of
// Switchboard's keys in etcd. Everything of one cluster lives under
// /switchboard/<cluster>/, one section per kind of record:
//
//	accounts/<provider/name>          account (JSON)
//	lines/<line key>                  line
//	leases/<lease key>                lease
//	jobs/<job key>                    job
//	watched/<line key>                "" — orders only Switchboard knows of
//	messages/<line key>/<message id>  SMS ledger entry
//	journal/<action id>               journal entry
//	journal-by-time/<time>/<action>   "" — index for RecentJournal and Prune
//	pending/<action id>               "" — while the entry is not settled
//	flight/<flight key>               action id holding the single-flight key
//	owners/<account>/<lease hex>      node name — one election per account
//	nodes/<node>                      "" — a live node (its session's lease)
//	requests/<account>/<action id>    an action handed to the account's owner
//	hints/<account>/<node>-<n>        a webhook body handed to the account's owner
//
// Every part taken from data is path-escaped, so no part contains a slash
// and no key of one item is a prefix of another's.
package cluster

import (
	"errors"
	"net/url"
	"strings"
)

// Sections of the prefix.
const (
	Accounts      = "accounts"
	Lines         = "lines"
	Leases        = "leases"
	Jobs          = "jobs"
	Watched       = "watched"
	Messages      = "messages"
	Journal       = "journal"
	JournalByTime = "journal-by-time"
	Pending       = "pending"
	Flight        = "flight"
	Owners        = "owners"
	Nodes         = "nodes"
	Requests      = "requests"
	Hints         = "hints"
)

// Prefix is the root of a cluster's keys, ending in a slash.
func Prefix(cluster string) string { return "/switchboard/" + Escape(cluster) + "/" }

// Layout builds the keys of one cluster.
type Layout struct{ root string }

// NewLayout checks the cluster name and returns its layout.
func NewLayout(cluster string) (Layout, error) {
	if cluster == "" {
		return Layout{}, errors.New("cluster: no cluster name")
	}
	return Layout{root: Prefix(cluster)}, nil
}

// Root is the cluster's prefix.
func (l Layout) Root() string { return l.root }

// Section is the prefix of one section, ending in a slash.
func (l Layout) Section(name string) string { return l.root + name + "/" }

// Key joins a section and escaped parts.
func (l Layout) Key(section string, parts ...string) string {
	var b strings.Builder
	b.WriteString(l.Section(section))
	for i, p := range parts {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(Escape(p))
	}
	return b.String()
}

// Split takes a key of the layout apart into its section and unescaped
// parts; ok is false for a key outside the cluster or badly escaped.
func (l Layout) Split(key string) (section string, parts []string, ok bool) {
	rest, found := strings.CutPrefix(key, l.root)
	if !found {
		return "", nil, false
	}
	fields := strings.Split(rest, "/")
	for _, f := range fields[1:] {
		p, err := url.PathUnescape(f)
		if err != nil {
			return "", nil, false
		}
		parts = append(parts, p)
	}
	return fields[0], parts, true
}

// Escape makes a part of a key safe: no slash, reversible.
func Escape(s string) string { return url.PathEscape(s) }
