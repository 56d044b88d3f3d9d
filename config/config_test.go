package config

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"switchboard/keymap"
)

func env(m map[string]string) Options {
	return Options{
		Getenv: func(k string) string { return m[k] },
		RunCmd: func(ctx context.Context, cmd string) (string, error) {
			if cmd == "pass show 5sim" {
				return "fivesim-secret\nsecond line ignored\n", nil
			}
			return "", errors.New("exit status 1")
		},
	}
}

func TestExampleConfigParses(t *testing.T) {
	data, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse("config.example.yaml", data, 0o600, env(map[string]string{
		"PIV_KEY": "piv-secret", "NONVOIP_PASSWORD": "pw", "MARKET_KEY": "mk"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Accounts) != 4 {
		t.Fatalf("accounts: %d", len(cfg.Accounts))
	}
	a := cfg.Accounts[1]
	if a.APIKey != "fivesim-secret" || a.AutoCancelAfter != 8*time.Minute || a.RatePerMinute != 120 {
		t.Fatalf("5sim account: %+v", a)
	}
	if cfg.Accounts[0].LowBalance == nil || cfg.Accounts[0].LowBalance.String() != "10" {
		t.Fatal("low_balance not read")
	}
	if !cfg.Accounts[3].ReadOnly || cfg.Accounts[3].BaseURL == "" {
		t.Fatal("market account")
	}
	if cfg.Keys["copy"][0] != "c" || cfg.Retention != 90*24*time.Hour || cfg.Expiry.Critical != time.Hour || cfg.Notify != "bell" {
		t.Fatalf("globals: %+v", cfg)
	}
}

// notify: bell is the default; desktop and off are read; anything else
// is named with its line and the values allowed.
func TestNotify(t *testing.T) {
	const acc = "accounts:\n  - name: a\n    provider: pivday\n    api_key_env: K\n"
	for text, want := range map[string]string{"": "bell", "notify: desktop\n": "desktop", "notify: off\n": "off", "notify: bell\n": "bell"} {
		cfg, err := Parse("/home/op/sb.yaml", []byte(text+acc), 0o600, env(map[string]string{"K": "k"}))
		if err != nil || cfg.Notify != want {
			t.Fatalf("%q: notify %q, %v; want %q", text, cfg.Notify, err, want)
		}
	}
	_, err := Parse("/home/op/sb.yaml", []byte(acc+"notify: loud\n"), 0o600, env(map[string]string{"K": "k"}))
	var ce *Error
	if !errors.As(err, &ce) || ce.Line != 5 || !strings.Contains(ce.Msg, `unknown notify "loud"`) || !strings.Contains(ce.Fix, "bell, desktop, off") {
		t.Fatalf("%#v", err)
	}
}

func TestMistakesNameFileLineAndFix(t *testing.T) {
	cases := []struct {
		name, text  string
		perm        os.FileMode
		line        int
		msg, fix    string
		mustNotLeak string
	}{
		{"unknown provider", "accounts:\n  - name: a\n    provider: sixsim\n    api_key_env: K\n", 0o600, 3, "unknown provider", "pivday, fivesim", ""},
		{"typo field", "accounts:\n  - name: a\n    provider: pivday\n    apikey_env: K\n", 0o600, 4, `unknown account field "apikey_env"`, "fix its spelling", ""},
		{"unset env", "accounts:\n  - name: a\n    provider: pivday\n    api_key_env: NOPE\n", 0o600, 4, "NOPE is not set", "export NOPE", ""},
		{"literal secret readable", "accounts:\n  - name: a\n    provider: pivday\n    api_key: hunter2hunter2\n", 0o644, 4, "literal API key", "chmod 600", "hunter2hunter2"},
		{"market needs base", "accounts:\n  - name: m\n    provider: market\n    api_key_env: K\n", 0o600, 2, "no default address", "base_url", ""},
		{"nonvoip email", "accounts:\n  - name: n\n    provider: nonvoip\n    password_env: K\n", 0o600, 2, "e-mail", "email:", ""},
		{"duplicate", "accounts:\n  - name: a\n    provider: pivday\n    api_key_env: K\n  - name: a\n    provider: pivday\n    api_key_env: K\n", 0o600, 5, "used twice", "own name", ""},
		{"bad theme", "theme: neon\naccounts:\n  - name: a\n    provider: pivday\n    api_key_env: K\n", 0o600, 1, "unknown theme", "high-contrast", ""},
		{"top-level typo", "acounts:\n  - name: a\n", 0o600, 1, `unknown field "acounts"`, "spelling", ""},
		{"bad rate", "accounts:\n  - name: a\n    provider: pivday\n    api_key_env: K\n    rate_per_minute: fast\n", 0o600, 5, "rate_per_minute", "requests per minute", ""},
		{"cmd fails", "accounts:\n  - name: a\n    provider: pivday\n    api_key_cmd: pass show nothing\n", 0o600, 4, "api_key_cmd failed", "run the command", ""},
		{"bad indentation", "accounts:\n  - name: a\n   provider: pivday\n", 0o600, 3, "", "indentation", ""},
		{"no accounts", "theme: dark\n", 0o600, 1, "no accounts", "demo", ""},
		{"password on pivday", "accounts:\n  - name: a\n    provider: pivday\n    password_env: K\n", 0o600, 4, "not a password", "api_key_env", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("/home/op/sb.yaml", []byte(c.text), c.perm, env(map[string]string{"K": "secret-k"}))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("want a config error, got %v", err)
			}
			if ce.File != "/home/op/sb.yaml" || ce.Line != c.line {
				t.Errorf("location %s:%d, want line %d (%v)", ce.File, ce.Line, c.line, err)
			}
			if !strings.Contains(ce.Msg, c.msg) || !strings.Contains(ce.Fix, c.fix) {
				t.Errorf("message %q / fix %q", ce.Msg, ce.Fix)
			}
			if c.mustNotLeak != "" && strings.Contains(err.Error(), c.mustNotLeak) {
				t.Errorf("the error shows the secret: %v", err)
			}
			if strings.Contains(err.Error(), "secret-k") {
				t.Errorf("the error shows a secret: %v", err)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"90d": 90 * 24 * time.Hour, "8m": 8 * time.Minute, "1.5d": 36 * time.Hour} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
}

// Numbers that YAML or strconv accept but that are not amounts: NaN
// compares false with everything, so a NaN rate once passed the range check
// and removed the account's rate limit.
func TestNonFiniteNumbersAreRefused(t *testing.T) {
	const head = "accounts:\n  - name: a\n    provider: pivday\n    api_key_env: K\n"
	bad := []string{"NaN", "nan", ".nan", ".NaN", "Inf", "+Inf", "-Inf", "inf", "Infinity", "-infinity",
		".inf", "+.inf", "-.inf", ".Inf", "-.INF", "1e400", "0", "-0", "-5", "6001", `"NaN"`, "0x7p-2000"}
	cases := []struct {
		field, fix string
		line       int
		values     []string
		text       func(v string) string
	}{
		{"rate_per_minute", "more than 0", 5, bad, func(v string) string { return head + "    rate_per_minute: " + v + "\n" }},
		{"low_balance", "amount", 5, []string{"NaN", ".nan", "Inf", ".inf", "-.inf", "-Infinity", "-1", "1e400x"},
			func(v string) string { return head + "    low_balance: " + v + "\n" }},
		{"auto_cancel_after", "at least a minute", 5, []string{"NaNd", "Infd", "-Infd", ".infd", "1e300d", "0x1p10d", "200000d", ".inf", "-.inf", ".nan"},
			func(v string) string { return head + "    auto_cancel_after: " + v + "\n" }},
		{"retention", "at least a day", 1, []string{"NaNd", "Infd", "+Infd", "1e300d", "106752d", ".inf", ".nan"},
			func(v string) string { return "retention: " + v + "\n" + head }},
		{"expiry.warn", "duration", 2, []string{"NaNd", "Infd", "-Infd", "1e300d", ".inf", "-.inf", ".nan", "0d"},
			func(v string) string { return "expiry:\n  warn: " + v + "\n" + head }},
	}
	for _, c := range cases {
		for _, v := range c.values {
			t.Run(c.field+"="+v, func(t *testing.T) {
				cfg, err := Parse("/home/op/sb.yaml", []byte(c.text(v)), 0o600, env(map[string]string{"K": "k"}))
				var ce *Error
				if !errors.As(err, &ce) {
					t.Fatalf("accepted (%+v), want a config error", cfg)
				}
				if ce.Line != c.line || !strings.Contains(ce.Error(), c.field) || !strings.Contains(ce.Fix, c.fix) {
					t.Errorf("got line %d: %v; want line %d naming %s with a fix about %q", ce.Line, err, c.line, c.field, c.fix)
				}
			})
		}
	}
}

func TestParseDurationRefusesWhatIsNotADuration(t *testing.T) {
	for _, in := range []string{"NaNd", "nand", "Infd", "+Infd", "-Infd", "infinityd", "1e300d", "1e3d", "0x10d",
		"106752d", "-106752d", "d", ".d", "1_0d", ".inf", ".nan"} {
		if got, err := ParseDuration(in); err == nil {
			t.Errorf("%s: accepted as %v", in, got)
		}
	}
	for in, want := range map[string]time.Duration{"106751d": 106751 * 24 * time.Hour, ".5d": 12 * time.Hour, "2.d": 48 * time.Hour, "-1d": -24 * time.Hour} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("%s: %v %v, want %v", in, got, err, want)
		}
	}
}

// A mistake under keys: is reported on its own line, whatever the order in
// which the overrides are read.
func TestKeyMistakesPointAtTheirLine(t *testing.T) {
	const accounts = "accounts:\n  - name: a\n    provider: pivday\n    api_key_env: K\n"
	cases := []struct {
		name, keys string
		line       int
		msg, fix   string
	}{
		{"clash with a default", "keys:\n  up: w\n  down: s\n  zoom: z\n  copy: r\n  quit: [q, ctrl+c]\n", 5,
			`keys.copy: "r" is also the key of renew (by default)`, "choose another key for copy"},
		{"unknown name", "keys:\n  up: w\n  down: s\n  cpy: y\n  zoom: z\n  quit: Q\n", 4,
			`there is no action "cpy"`, "copy_number"},
		{"clash inside a block list", "keys:\n  up: w\n  copy:\n    - y\n    - x\n  down: s\n", 5,
			`keys.copy: "x" is also the key of cancel`, "move cancel"},
		{"clash inside a flow list", "keys:\n  up: w\n  down: s\n  quit: [Q, x]\n  zoom: z\n", 4,
			`keys.quit: "x" is also the key of cancel`, ""},
		{"both overridden", "keys:\n  copy: v\n  up: w\n  down: s\n  renew: v\n  zoom: z\n", 5,
			`keys.renew: "v" is also the key of copy (on line 2)`, ""},
		{"flow mapping", "keys: { up: w, copy: r, down: s }\n", 1, `keys.copy: "r"`, ""},
		{"dialog keys", "keys:\n  up: w\n  confirm: [y, n]\n  down: s\n", 3, `keys.confirm: "n" is also the key of refuse`, ""},
		{"empty key", "keys:\n  up: w\n  copy: [c, \" \"]\n", 3, "keys.copy: empty key", "space"},
		{"not a mapping", "keys: c\n", 1, "keys must map", "copy: c"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for range 50 {
				_, err := Parse("/home/op/sb.yaml", []byte(c.keys+accounts), 0o600, env(map[string]string{"K": "k"}))
				var ce *Error
				if !errors.As(err, &ce) {
					t.Fatalf("want a config error, got %v", err)
				}
				if ce.File != "/home/op/sb.yaml" || ce.Line != c.line || !strings.Contains(ce.Msg, c.msg) || !strings.Contains(ce.Fix, c.fix) {
					t.Fatalf("got %v\nwant line %d, %q, fix with %q", err, c.line, c.msg, c.fix)
				}
			}
		})
	}
}

func TestApplyKeys(t *testing.T) {
	cfg, err := Parse("sb.yaml", []byte("keys:\n  copy: y\n  renew: [r, ctrl+r]\naccounts:\n  - name: a\n    provider: pivday\n    api_key_env: K\n"),
		0o600, env(map[string]string{"K": "k"}))
	if err != nil {
		t.Fatal(err)
	}
	km := keymap.Default()
	if err := cfg.ApplyKeys(&km); err != nil {
		t.Fatal(err)
	}
	if got := km.Copy.Keys(); len(got) != 1 || got[0] != "y" {
		t.Fatalf("copy: %v", got)
	}
	if got := km.Renew.Keys(); len(got) != 2 || got[1] != "ctrl+r" {
		t.Fatalf("renew: %v", got)
	}
	// A Config built by hand (no lines known) still gets a config error.
	bare := &Config{Path: "sb.yaml", Keys: map[string][]string{"cpy": {"y"}}}
	km = keymap.Default()
	var ce *Error
	if err := bare.ApplyKeys(&km); !errors.As(err, &ce) || ce.Line != 0 {
		t.Fatalf("bare config: %v", err)
	}
}
