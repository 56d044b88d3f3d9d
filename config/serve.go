package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"go.yaml.in/yaml/v3"
	"golang.org/x/crypto/ssh"

	"switchboard/backend"
)

// DefaultSSHListen is where `switchboard serve` takes SSH sessions when
// the config names no address: loopback, so only this machine (or an SSH
// tunnel) reaches it until the operator decides otherwise.
const DefaultSSHListen = "127.0.0.1:2222"

// Serve is the `serve:` section: who may open the dashboard over SSH.
type Serve struct {
	// SSHListen is the address to bind, host always given.
	SSHListen string
	// Exposed: the address is not loopback (warned about loudly).
	Exposed   bool
	Operators []Operator
	// Etcd makes this serve a node of a team cluster (config/etcd.go).
	Etcd Etcd
}

// Operator is one person allowed in over SSH.
type Operator struct {
	Name string
	Role backend.Role
	Key  ssh.PublicKey
	Line int
}

// reservedOperators are the names the engine gives its own doors.
var reservedOperators = []string{"local", "auto"}

// parseServe checks the serve: section. Every public key is parsed here,
// so a pasted key with a typo is an error with its line, not a refusal
// at the first login.
func parseServe(path string, n *yaml.Node) (Serve, error) {
	s := Serve{SSHListen: DefaultSSHListen}
	if n.Kind == 0 {
		return s, nil
	}
	fail := func(line int, msg, fix string) (Serve, error) {
		return Serve{}, &Error{File: path, Line: line, Msg: msg, Fix: fix}
	}
	if n.Kind != yaml.MappingNode {
		return fail(n.Line, "serve: must be a mapping with ssh_listen and operators", "see the README's \"Serve and scripts\"")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "ssh_listen":
			addr, exposed, err := ListenAddress(v.Value)
			if err != nil {
				return fail(v.Line, fmt.Sprintf("serve.ssh_listen %q: %v", v.Value, err),
					"write host:port or :port, e.g. ssh_listen: 127.0.0.1:2222")
			}
			s.SSHListen, s.Exposed = addr, exposed
		case "operators":
			ops, err := parseOperators(path, v)
			if err != nil {
				return Serve{}, err
			}
			s.Operators = ops
		case "etcd", "node", "cluster", "etcd_tls":
			if err := s.Etcd.parseField(path, k, v); err != nil {
				return Serve{}, err
			}
		default:
			return fail(k.Line, fmt.Sprintf("unknown serve field %q", k.Value),
				"serve fields are: ssh_listen, operators, "+strings.Join(etcdFields, ", "))
		}
	}
	return s, s.Etcd.check(path, n.Line)
}

func parseOperators(path string, n *yaml.Node) ([]Operator, error) {
	fail := func(line int, msg, fix string) ([]Operator, error) {
		return nil, &Error{File: path, Line: line, Msg: msg, Fix: fix}
	}
	if n.Kind != yaml.SequenceNode {
		return fail(n.Line, "serve.operators must be a list", "write one '- name: …' entry per person")
	}
	var out []Operator
	names := map[string]int{}
	keys := map[string]int{}
	for _, item := range n.Content {
		if item.Kind != yaml.MappingNode {
			return fail(item.Line, "each operator is a mapping with name, role and public_key", "see the README's \"Serve and scripts\"")
		}
		var raw struct {
			Name      string `yaml:"name"`
			Role      string `yaml:"role"`
			PublicKey string `yaml:"public_key"`
		}
		for i := 0; i+1 < len(item.Content); i += 2 {
			if k := item.Content[i]; !contains([]string{"name", "role", "public_key"}, k.Value) {
				return fail(k.Line, fmt.Sprintf("unknown operator field %q", k.Value), "operator fields are: name, role, public_key")
			}
		}
		if err := item.Decode(&raw); err != nil {
			return nil, yamlError(path, err)
		}
		line := func(field string) int { return fieldLine(item, field) }
		switch {
		case !nameRe.MatchString(raw.Name):
			return fail(line("name"), fmt.Sprintf("operator name %q cannot be used", raw.Name),
				"use letters, digits, '.', '_' or '-' (at most 40)")
		case contains(reservedOperators, raw.Name):
			return fail(line("name"), fmt.Sprintf("operator name %q is Switchboard's own", raw.Name),
				"choose another name: \"local\" is whoever runs Switchboard on this machine, \"auto\" its policies")
		case names[raw.Name] > 0:
			return fail(line("name"), fmt.Sprintf("operator %q is listed twice (first on line %d)", raw.Name, names[raw.Name]),
				"give each person one entry")
		case !backend.Role(raw.Role).Valid():
			return fail(line("role"), fmt.Sprintf("operator %s: unknown role %q", raw.Name, raw.Role),
				"use viewer (sees and copies), operator (acts) or admin (acts and reads everyone's journal)")
		}
		key, _, _, rest, err := ssh.ParseAuthorizedKey([]byte(raw.PublicKey))
		if err != nil || strings.TrimSpace(string(rest)) != "" {
			return fail(line("public_key"), fmt.Sprintf("operator %s: public_key is not one SSH public key", raw.Name),
				"paste the one line of the person's ~/.ssh/id_ed25519.pub, e.g. public_key: \"ssh-ed25519 AAAA… alice@laptop\"")
		}
		fp := ssh.FingerprintSHA256(key)
		if first, dup := keys[fp]; dup {
			return fail(line("public_key"), fmt.Sprintf("operator %s has the same key as the operator on line %d", raw.Name, first),
				"each person needs their own key: the key is how Switchboard knows who acts")
		}
		names[raw.Name], keys[fp] = item.Line, item.Line
		out = append(out, Operator{Name: raw.Name, Role: backend.Role(raw.Role), Key: key, Line: item.Line})
	}
	return out, nil
}

// parseSpendCaps checks the spend_cap: section against the accounts and
// operators it names.
func parseSpendCaps(path string, n *yaml.Node, accounts []Account, ops []Operator) (backend.SpendCaps, error) {
	caps := backend.SpendCaps{Zone: time.UTC}
	if n.Kind == 0 {
		return caps, nil
	}
	fail := func(line int, msg, fix string) (backend.SpendCaps, error) {
		return backend.SpendCaps{}, &Error{File: path, Line: line, Msg: msg, Fix: fix}
	}
	if n.Kind != yaml.MappingNode {
		return fail(n.Line, "spend_cap: must be a mapping with timezone, accounts and operators", "see the README's \"Spend caps\"")
	}
	known := map[string]bool{}
	for _, a := range accounts {
		known[a.Name] = true
	}
	people := map[string]bool{"local": true}
	for _, o := range ops {
		people[o.Name] = true
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "timezone":
			zone, err := time.LoadLocation(v.Value)
			if err != nil || v.Value == "" {
				return fail(v.Line, fmt.Sprintf("spend_cap.timezone %q is not a time zone", v.Value),
					"write an IANA name such as UTC or Europe/Berlin: a new day starts at its midnight")
			}
			caps.Zone = zone
		case "accounts":
			amounts, err := capAmounts(path, v, "spend_cap.accounts", func(name string) string {
				if known[name] {
					return ""
				}
				return "no account is named " + name
			})
			if err != nil {
				return backend.SpendCaps{}, err
			}
			caps.Accounts = amounts
		case "operators":
			if v.Kind != yaml.MappingNode {
				return fail(v.Line, "spend_cap.operators must map each operator to their caps", "e.g. operators: { bob: { \"*\": 20 } }")
			}
			caps.Operators = map[string]map[string]decimal.Decimal{}
			for j := 0; j+1 < len(v.Content); j += 2 {
				who, per := v.Content[j], v.Content[j+1]
				if !people[who.Value] {
					return fail(who.Line, fmt.Sprintf("spend_cap.operators: no operator is named %s", who.Value),
						"list them under serve.operators first (\"local\" is whoever runs Switchboard on this machine)")
				}
				amounts, err := capAmounts(path, per, "spend_cap.operators."+who.Value, func(name string) string {
					if known[name] || name == backend.AnyAccount {
						return ""
					}
					return "no account is named " + name + " (\"*\" stands for every account not named)"
				})
				if err != nil {
					return backend.SpendCaps{}, err
				}
				caps.Operators[who.Value] = amounts
			}
		default:
			return fail(k.Line, fmt.Sprintf("unknown spend_cap field %q", k.Value), "spend_cap fields are: timezone, accounts, operators")
		}
	}
	return caps, nil
}

// capAmounts reads a mapping of account → amount per day.
func capAmounts(path string, n *yaml.Node, where string, unknown func(string) string) (map[string]decimal.Decimal, error) {
	if n.Kind != yaml.MappingNode {
		return nil, &Error{File: path, Line: n.Line, Msg: where + " must map account names to amounts",
			Fix: "e.g. piv-main: 50 (at most 50 a day, in the account's currency)"}
	}
	out := map[string]decimal.Decimal{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if why := unknown(k.Value); why != "" {
			return nil, &Error{File: path, Line: k.Line, Msg: where + ": " + why, Fix: "use the names under accounts:"}
		}
		d, err := decimal.NewFromString(v.Value)
		if err != nil || !d.IsPositive() || v.Kind != yaml.ScalarNode {
			return nil, &Error{File: path, Line: v.Line, Msg: fmt.Sprintf("%s.%s: %q is not an amount above 0", where, k.Value, v.Value),
				Fix: "write the most to spend per day in the account's currency, e.g. " + k.Value + ": 50"}
		}
		out[k.Value] = d
	}
	return out, nil
}

// fieldLine is the line of a mapping's field, or the mapping's own.
func fieldLine(n *yaml.Node, field string) int {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == field {
			return n.Content[i].Line
		}
	}
	return n.Line
}
