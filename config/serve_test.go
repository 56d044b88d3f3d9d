package config

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"switchboard/backend"
)

// pubKey is a fresh key's authorized_keys line.
func pubKey(t *testing.T) string {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	s, _ := ssh.NewSignerFromKey(priv)
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.PublicKey()))) + " someone@laptop"
}

func TestServeAndSpendCapSections(t *testing.T) {
	alice, bob := pubKey(t), pubKey(t)
	text := oneAccount + `serve:
  ssh_listen: ":2222"
  operators:
    - name: alice
      role: admin
      public_key: "` + alice + `"
    - name: bob
      role: viewer
      public_key: "` + bob + `"
spend_cap:
  timezone: Europe/Berlin
  accounts:
    a: 50
  operators:
    bob: { "*": 5, a: 2.5 }
    local: { a: 100 }
`
	cfg, err := Parse("/home/op/sb.yaml", []byte(text), 0o600, env(map[string]string{"K": "k"}))
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Serve
	if s.SSHListen != "127.0.0.1:2222" || s.Exposed || len(s.Operators) != 2 {
		t.Fatalf("serve: %+v", s)
	}
	if o := s.Operators[1]; o.Name != "bob" || o.Role != backend.RoleViewer || o.Key == nil || o.Line != 11 {
		t.Fatalf("bob: %+v", o)
	}
	c := cfg.SpendCaps
	if c.Zone.String() != "Europe/Berlin" || c.Accounts["a"].String() != "50" ||
		c.Operators["bob"]["a"].String() != "2.5" || c.Operators["bob"][backend.AnyAccount].String() != "5" || c.Operators["local"]["a"].String() != "100" {
		t.Fatalf("spend caps: %+v", c)
	}
	// Without the sections: the default address, no operators, no caps.
	cfg, err = Parse("/home/op/sb.yaml", []byte(oneAccount), 0o600, env(map[string]string{"K": "k"}))
	if err != nil || cfg.Serve.SSHListen != DefaultSSHListen || len(cfg.Serve.Operators) != 0 || cfg.SpendCaps.Accounts != nil {
		t.Fatalf("defaults: %+v %v", cfg.Serve, err)
	}
	cfg, err = Parse("/home/op/sb.yaml", []byte(oneAccount+"serve:\n  ssh_listen: 0.0.0.0:2222\n"), 0o600, env(map[string]string{"K": "k"}))
	if err != nil || !cfg.Serve.Exposed {
		t.Fatalf("a non-loopback address is not marked exposed: %+v %v", cfg.Serve, err)
	}
}

func TestServeAndSpendCapMistakesNameLineAndFix(t *testing.T) {
	key := pubKey(t)
	op := func(name, role, k string) string {
		return "    - name: " + name + "\n      role: " + role + "\n      public_key: \"" + k + "\"\n"
	}
	cases := []struct {
		name, text string
		line       int
		msg, fix   string
	}{
		{"bad listen", "serve:\n  ssh_listen: nowhere\n", 6, "serve.ssh_listen", "host:port"},
		{"serve typo", "serve:\n  ssh_listn: :2222\n", 6, `unknown serve field "ssh_listn"`, "ssh_listen, operators"},
		{"bad role", "serve:\n  operators:\n" + op("alice", "root", key), 8, `unknown role "root"`, "viewer"},
		{"bad key", "serve:\n  operators:\n" + op("alice", "admin", "ssh-ed25519 AAAAnotakey"), 9, "not one SSH public key", "id_ed25519.pub"},
		{"two keys in one", "serve:\n  operators:\n" + op("alice", "admin", key+"\\n"+key), 9, "not one SSH public key", ""},
		{"shared key", "serve:\n  operators:\n" + op("alice", "admin", key) + op("bob", "viewer", key), 12, "same key as the operator on line 7", "their own key"},
		{"twice", "serve:\n  operators:\n" + op("alice", "admin", key) + op("alice", "viewer", pubKey(t)), 10, "listed twice", "one entry"},
		{"reserved", "serve:\n  operators:\n" + op("local", "admin", key), 7, "Switchboard's own", "another name"},
		{"operator typo", "serve:\n  operators:\n    - name: a\n      roles: admin\n", 8, `unknown operator field "roles"`, "public_key"},
		{"cap unknown account", "spend_cap:\n  accounts:\n    nope: 5\n", 7, "no account is named nope", "accounts:"},
		{"cap not an amount", "spend_cap:\n  accounts:\n    a: lots\n", 7, `"lots" is not an amount`, "a: 50"},
		{"cap negative", "spend_cap:\n  accounts:\n    a: -5\n", 7, "not an amount above 0", ""},
		{"cap unknown operator", "spend_cap:\n  operators:\n    carol: { a: 5 }\n", 7, "no operator is named carol", "serve.operators"},
		{"cap bad zone", "spend_cap:\n  timezone: Mars/Olympus\n", 6, "not a time zone", "Europe/Berlin"},
		{"cap typo", "spend_cap:\n  acounts: {}\n", 6, `unknown spend_cap field "acounts"`, "timezone, accounts, operators"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("/home/op/sb.yaml", []byte(oneAccount+c.text), 0o600, env(map[string]string{"K": "k"}))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("want a config error, got %v", err)
			}
			if ce.Line != c.line || !strings.Contains(ce.Msg, c.msg) || !strings.Contains(ce.Fix, c.fix) {
				t.Errorf("line %d msg %q fix %q, want line %d %q / %q", ce.Line, ce.Msg, ce.Fix, c.line, c.msg, c.fix)
			}
		})
	}
}
