// Package config reads Switchboard's YAML configuration. Every mistake is
// reported with the file, the line and the fix; secrets come from the
// environment or a command (a literal secret only in a file no one else
// can read) and are never echoed.
package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"go.yaml.in/yaml/v3"

	"switchboard/backend"
)

// Config is the whole file.
type Config struct {
	Path      string
	Accounts  []Account
	Theme     string
	Keys      map[string][]string       // action name → keys
	KeyLines  map[string]int            // action name → line, for errors found later
	keyAt     map[string]map[string]int // action name → key → line of that key
	Expiry    Thresholds
	Retention time.Duration
	Webhooks  Webhooks // where provider webhooks are received
	// Notify is how a new code calls the operator: "bell" (the default:
	// the terminal's bell), "desktop" (the bell and a desktop
	// notification where the terminal supports one) or "off".
	Notify string

	Serve     Serve             // who may use the dashboard over SSH (serve.go)
	SpendCaps backend.SpendCaps // the most spent per day (serve.go)
}

// NotifyModes are the values notify may take; the first is the default.
var NotifyModes = []string{"bell", "desktop", "off"}

// Thresholds colour countdowns: under Critical red, under Urgent amber,
// under Warn yellow.
type Thresholds struct {
	Warn, Urgent, Critical time.Duration
}

// DefaultThresholds are used when the config sets none.
var DefaultThresholds = Thresholds{Warn: 7 * 24 * time.Hour, Urgent: 24 * time.Hour, Critical: time.Hour}

// Account is one provider account with its secrets resolved.
type Account struct {
	Name             string
	Provider         backend.ProviderKind
	BaseURL          string
	APIKey           string // pivday, fivesim, market
	Email            string // nonvoip
	Password         string // nonvoip
	RatePerMinute    float64
	LowBalance       *decimal.Decimal
	ReadOnly         bool
	AutoFinishOnCopy bool
	AutoCancelAfter  time.Duration
	Line             int
}

// Error is a config mistake: where, what, and how to fix it.
type Error struct {
	File string
	Line int
	Msg  string
	Fix  string
}

func (e *Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	s := loc + ": " + e.Msg
	if e.Fix != "" {
		s += "\n  fix: " + e.Fix
	}
	return s
}

// DefaultPath is $XDG_CONFIG_HOME/switchboard/config.yaml (or
// ~/.config/switchboard/config.yaml).
func DefaultPath() string {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "switchboard", "config.yaml")
}

// Options control how secrets are resolved (tests replace the
// environment and the command runner).
type Options struct {
	Getenv func(string) string
	RunCmd func(ctx context.Context, cmd string) (string, error)
	// CmdTimeout bounds each *_cmd; past it the command (and everything
	// it started) is killed. Default DefaultCmdTimeout.
	CmdTimeout time.Duration
	// Progress, when set, is told what Load is waiting for before each
	// *_cmd runs ("waiting for api_key_cmd of piv-main…"), so a slow
	// password manager does not look like a hung program.
	Progress func(msg string)
	// SkipSecrets checks how each secret is given but resolves none (no
	// variable read, no command run): for sub-commands that only need
	// the accounts' names, such as `switchboard hooks`.
	SkipSecrets bool
}

// Load reads and validates a config file. A file that someone else could
// have written is refused before anything in it is used (see checkTrust).
func Load(path string, o Options) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: path, Msg: "cannot read the config file: " + errText(err),
			Fix: "check the path given to --config"}
	}
	defer f.Close()
	// The checks and the read are of the same open file.
	st, err := f.Stat()
	if err != nil {
		return nil, &Error{File: path, Msg: errText(err)}
	}
	if err := checkTrust(path, st); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, &Error{File: path, Msg: "cannot read the config file: " + errText(err),
			Fix: "check the path given to --config"}
	}
	return Parse(path, data, st.Mode().Perm(), o)
}

// errText is an error's text without the path the caller already names.
func errText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// raw mirrors the file; unknown fields are errors.
type rawConfig struct {
	Accounts      []yaml.Node       `yaml:"accounts"`
	Theme         string            `yaml:"theme"`
	Keys          yaml.Node         `yaml:"keys"`
	Expiry        map[string]string `yaml:"expiry"`
	Retention     string            `yaml:"retention"`
	Notify        string            `yaml:"notify"`
	WebhookListen string            `yaml:"webhook_listen"`
	WebhookPublic string            `yaml:"webhook_public_url"`
	Serve         yaml.Node         `yaml:"serve"`
	SpendCap      yaml.Node         `yaml:"spend_cap"`
}

type rawAccount struct {
	Name             string    `yaml:"name"`
	Provider         string    `yaml:"provider"`
	BaseURL          string    `yaml:"base_url"`
	APIKey           string    `yaml:"api_key"`
	APIKeyEnv        string    `yaml:"api_key_env"`
	APIKeyCmd        string    `yaml:"api_key_cmd"`
	Email            string    `yaml:"email"`
	Password         string    `yaml:"password"`
	PasswordEnv      string    `yaml:"password_env"`
	PasswordCmd      string    `yaml:"password_cmd"`
	RatePerMinuteRaw yaml.Node `yaml:"rate_per_minute"`
	LowBalance       yaml.Node `yaml:"low_balance"`
	ReadOnly         bool      `yaml:"read_only"`
	AutoFinishOnCopy bool      `yaml:"auto_finish_on_copy"`
	AutoCancelAfter  string    `yaml:"auto_cancel_after"`
}

var (
	lineRe  = regexp.MustCompile(`line (\d+)`)
	nameRe  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$`)
	themeOK = []string{"dark", "light", "high-contrast", "plain"}
)

// Parse validates config text. perm is the file's permission bits (a
// literal secret in a file others can read is refused); who owns and can
// write the file is Load's to check, before Parse runs any command.
func Parse(path string, data []byte, perm os.FileMode, o Options) (*Config, error) {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.RunCmd == nil {
		o.RunCmd = runCmd
	}
	if o.CmdTimeout <= 0 {
		o.CmdTimeout = DefaultCmdTimeout
	}
	if o.Progress == nil {
		o.Progress = func(string) {}
	}
	var raw rawConfig
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil && !errors.Is(err, io.EOF) {
		e := yamlError(path, err)
		// The parser often names the start of the block; an odd indent is
		// the usual culprit and a better line to show.
		if l := oddIndent(data); l > e.Line && strings.Contains(e.Msg, "did not find expected") ||
			strings.Contains(e.Msg, "mapping values are not allowed") {
			if l > 0 {
				e.Line = l
			}
		}
		return nil, e
	}
	cfg := &Config{Path: path, Theme: raw.Theme, KeyLines: map[string]int{}, Keys: map[string][]string{}, keyAt: map[string]map[string]int{},
		Expiry: DefaultThresholds, Retention: 90 * 24 * time.Hour, Notify: NotifyModes[0]}
	if raw.Notify != "" {
		if !contains(NotifyModes, raw.Notify) {
			return nil, &Error{File: path, Line: findLine(data, "notify:"), Msg: fmt.Sprintf("unknown notify %q", raw.Notify),
				Fix: "use one of: " + strings.Join(NotifyModes, ", ")}
		}
		cfg.Notify = raw.Notify
	}
	if cfg.Theme != "" && !contains(themeOK, cfg.Theme) {
		return nil, &Error{File: path, Line: findLine(data, "theme:"), Msg: fmt.Sprintf("unknown theme %q", cfg.Theme),
			Fix: "use one of: " + strings.Join(themeOK, ", ")}
	}
	if raw.Retention != "" {
		d, err := ParseDuration(raw.Retention)
		if err != nil || d < 24*time.Hour {
			return nil, &Error{File: path, Line: findLine(data, "retention:"), Msg: fmt.Sprintf("bad retention %q", raw.Retention),
				Fix: "write a duration of at least a day, e.g. retention: 90d"}
		}
		cfg.Retention = d
	}
	for k, v := range raw.Expiry {
		d, err := ParseDuration(v)
		line := findLine(data, k+":")
		if err != nil || d <= 0 {
			return nil, &Error{File: path, Line: line, Msg: fmt.Sprintf("bad duration %q for expiry.%s", v, k),
				Fix: "write a duration such as 30m, 24h or 7d"}
		}
		switch k {
		case "warn":
			cfg.Expiry.Warn = d
		case "urgent":
			cfg.Expiry.Urgent = d
		case "critical":
			cfg.Expiry.Critical = d
		default:
			return nil, &Error{File: path, Line: line, Msg: "unknown expiry threshold " + strconv.Quote(k),
				Fix: "use warn, urgent and critical"}
		}
	}
	if err := cfg.parseKeys(&raw.Keys); err != nil {
		return nil, err
	}
	hooks, err := parseWebhooks(path, data, raw.WebhookListen, raw.WebhookPublic)
	if err != nil {
		return nil, err
	}
	cfg.Webhooks = hooks
	seen := map[string]int{}
	for i := range raw.Accounts {
		n := &raw.Accounts[i]
		acc, err := parseAccount(path, n, perm, o)
		if err != nil {
			return nil, err
		}
		if prev, dup := seen[acc.Name]; dup {
			return nil, &Error{File: path, Line: n.Line, Msg: fmt.Sprintf("account name %q is used twice (first on line %d)", acc.Name, prev),
				Fix: "give each account its own name"}
		}
		seen[acc.Name] = n.Line
		cfg.Accounts = append(cfg.Accounts, acc)
	}
	if len(cfg.Accounts) == 0 {
		return nil, &Error{File: path, Line: 1, Msg: "no accounts configured",
			Fix: "add an accounts: list (see config.example.yaml), or run without --config for the demo"}
	}
	if cfg.Serve, err = parseServe(path, &raw.Serve); err != nil {
		return nil, err
	}
	if cfg.SpendCaps, err = parseSpendCaps(path, &raw.SpendCap, cfg.Accounts, cfg.Serve.Operators); err != nil {
		return nil, err
	}
	return cfg, nil
}

func parseAccount(path string, n *yaml.Node, perm os.FileMode, o Options) (Account, error) {
	var ra rawAccount
	fail := func(line int, msg, fix string) (Account, error) {
		if line == 0 {
			line = n.Line
		}
		return Account{}, &Error{File: path, Line: line, Msg: msg, Fix: fix}
	}
	if n.Kind != yaml.MappingNode {
		return fail(n.Line, "each account must be a mapping with name, provider and credentials", "see config.example.yaml")
	}
	// An unknown field is a typo: name it with its line.
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !contains(accountFields, k.Value) {
			return fail(k.Line, fmt.Sprintf("unknown account field %q", k.Value),
				"remove it or fix its spelling; account fields are: "+strings.Join(accountFields, ", "))
		}
	}
	if err := n.Decode(&ra); err != nil {
		return Account{}, yamlError(path, err)
	}
	line := func(field string) int {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == field {
				return n.Content[i].Line
			}
		}
		return n.Line
	}
	a := Account{Name: ra.Name, Provider: backend.ProviderKind(ra.Provider), BaseURL: ra.BaseURL,
		ReadOnly: ra.ReadOnly, AutoFinishOnCopy: ra.AutoFinishOnCopy, Email: ra.Email, Line: n.Line}
	if a.Name == "" {
		return fail(n.Line, "account without a name", "add name: <something short>, e.g. name: piv-main")
	}
	if !nameRe.MatchString(a.Name) {
		return fail(line("name"), fmt.Sprintf("account name %q has characters that cannot be used", a.Name),
			"use letters, digits, '.', '_' or '-' (at most 40)")
	}
	desc, known := backend.Describe(a.Provider)
	if !known {
		var kinds []string
		for _, k := range backend.Kinds() {
			kinds = append(kinds, string(k))
		}
		return fail(line("provider"), fmt.Sprintf("account %s: unknown provider %q", a.Name, ra.Provider),
			"use one of: "+strings.Join(kinds, ", "))
	}
	if a.BaseURL != "" {
		if !strings.HasPrefix(a.BaseURL, "https://") && !strings.HasPrefix(a.BaseURL, "http://") {
			return fail(line("base_url"), fmt.Sprintf("account %s: base_url %q is not an http(s) URL", a.Name, a.BaseURL),
				"write the full base, e.g. https://example.com/api/v1")
		}
	} else if desc.BaseURL == "" {
		return fail(n.Line, "account "+a.Name+": "+desc.Label+" has no default address",
			"add base_url: the address of its API, e.g. https://example.com/api/v1")
	}
	if ra.RatePerMinuteRaw.Kind != 0 {
		// NaN and ±Inf parse, and NaN slips past every comparison: left
		// in, it would remove the account's rate limit.
		f, err := strconv.ParseFloat(ra.RatePerMinuteRaw.Value, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f <= 0 || f > 6000 {
			return fail(ra.RatePerMinuteRaw.Line, fmt.Sprintf("account %s: rate_per_minute %q is not a number of requests above 0", a.Name, ra.RatePerMinuteRaw.Value),
				"write requests per minute, more than 0 and at most 6000, e.g. rate_per_minute: 60")
		}
		a.RatePerMinute = f
	}
	if ra.LowBalance.Kind != 0 {
		d, err := decimal.NewFromString(ra.LowBalance.Value)
		if err != nil || d.IsNegative() {
			return fail(ra.LowBalance.Line, fmt.Sprintf("account %s: low_balance %q is not an amount", a.Name, ra.LowBalance.Value),
				"write the amount under which to warn, e.g. low_balance: 10")
		}
		a.LowBalance = &d
	}
	if ra.AutoCancelAfter != "" {
		d, err := ParseDuration(ra.AutoCancelAfter)
		if err != nil || d < time.Minute {
			return fail(line("auto_cancel_after"), fmt.Sprintf("account %s: auto_cancel_after %q", a.Name, ra.AutoCancelAfter),
				"write a duration of at least a minute, e.g. auto_cancel_after: 8m")
		}
		a.AutoCancelAfter = d
	}
	if a.AutoFinishOnCopy && !desc.FinishOnCopy {
		return fail(line("auto_finish_on_copy"), "account "+a.Name+": "+desc.Label+" orders are not finished, so auto_finish_on_copy does not apply",
			"remove it from this account")
	}
	secret := func(what, literal, env, cmd, field string) (string, error) {
		set := 0
		for _, s := range []string{literal, env, cmd} {
			if s != "" {
				set++
			}
		}
		if set == 0 {
			_, err := fail(n.Line, fmt.Sprintf("account %s: no %s", a.Name, what),
				fmt.Sprintf("add %s_env: VARIABLE (or %s_cmd: \"pass show …\")", field, field))
			return "", err
		}
		if set > 1 {
			_, err := fail(n.Line, fmt.Sprintf("account %s: %s is given more than one way", a.Name, what),
				fmt.Sprintf("keep one of %s, %s_env, %s_cmd", field, field, field))
			return "", err
		}
		if o.SkipSecrets {
			return "", nil
		}
		switch {
		case literal != "":
			if perm&0o077 != 0 {
				_, err := fail(line(field), fmt.Sprintf("account %s: a literal %s in a file others can read (mode %04o)", a.Name, what, perm),
					fmt.Sprintf("chmod 600 %s — or better, use %s_env / %s_cmd", path, field, field))
				return "", err
			}
			return literal, nil
		case env != "":
			v := o.Getenv(env)
			if v == "" {
				_, err := fail(line(field+"_env"), fmt.Sprintf("account %s: environment variable %s is not set", a.Name, env),
					fmt.Sprintf("export %s=… before starting Switchboard", env))
				return "", err
			}
			return strings.TrimSpace(v), nil
		default:
			o.Progress(fmt.Sprintf("waiting for %s_cmd of %s…", field, a.Name))
			ctx, cancel := context.WithTimeout(context.Background(), o.CmdTimeout)
			defer cancel()
			v, err := o.RunCmd(ctx, cmd)
			if err == nil && strings.TrimSpace(v) == "" {
				err = errNoOutput
			}
			if err != nil {
				_, e := fail(line(field+"_cmd"), fmt.Sprintf("account %s: %s_cmd %s", a.Name, field, cmdFailure(err, o.CmdTimeout)),
					"run the command by hand and check it prints the secret on its first line, without asking anything")
				return "", e
			}
			return strings.TrimSpace(strings.SplitN(v, "\n", 2)[0]), nil
		}
	}
	var err error
	switch desc.Credentials {
	case backend.EmailPassword:
		if a.Email == "" {
			return fail(n.Line, "account "+a.Name+": "+desc.Label+" needs the account e-mail", "add email: you@example.com")
		}
		if ra.APIKey != "" || ra.APIKeyEnv != "" || ra.APIKeyCmd != "" {
			return fail(line("api_key_env"), "account "+a.Name+": "+desc.Label+" uses email and password, not an API key",
				"replace api_key* with password_env: VARIABLE")
		}
		a.Password, err = secret("password", ra.Password, ra.PasswordEnv, ra.PasswordCmd, "password")
	default:
		if ra.Password != "" || ra.PasswordEnv != "" || ra.PasswordCmd != "" {
			return fail(line("password_env"), "account "+a.Name+": "+desc.Label+" uses an API key, not a password",
				"replace password* with api_key_env: VARIABLE")
		}
		a.APIKey, err = secret("API key", ra.APIKey, ra.APIKeyEnv, ra.APIKeyCmd, "api_key")
	}
	if err != nil {
		return Account{}, err
	}
	return a, nil
}

// accountFields are the keys an account may have.
var accountFields = []string{"name", "provider", "base_url", "api_key", "api_key_env", "api_key_cmd",
	"email", "password", "password_env", "password_cmd", "rate_per_minute", "low_balance", "read_only",
	"auto_finish_on_copy", "auto_cancel_after"}

// yamlError turns a yaml error into a config Error with its line.
func yamlError(path string, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
	msg = strings.TrimSpace(msg)
	line := 0
	if m := lineRe.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = strings.TrimSpace(lineRe.ReplaceAllString(msg, ""))
		msg = strings.TrimPrefix(strings.TrimPrefix(msg, ":"), " ")
	}
	fix := "check the indentation and the field names against config.example.yaml"
	if strings.Contains(msg, "not found in type") {
		field := regexp.MustCompile(`field (\S+)`).FindStringSubmatch(msg)
		if field != nil {
			msg = "unknown field " + strconv.Quote(field[1])
			fix = "remove it or fix its spelling (see config.example.yaml for the fields)"
		}
	}
	return &Error{File: path, Line: line, Msg: msg, Fix: fix}
}

// oddIndent returns the first line whose indentation is not a multiple of
// the file's smallest indentation, or 0.
func oddIndent(data []byte) int {
	lines := strings.Split(string(data), "\n")
	unit := 0
	indent := func(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }
	for _, l := range lines {
		if t := strings.TrimSpace(l); t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if n := indent(l); n > 0 && (unit == 0 || n < unit) {
			unit = n
		}
	}
	if unit == 0 {
		return 0
	}
	for i, l := range lines {
		if t := strings.TrimSpace(l); t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if indent(l)%unit != 0 {
			return i + 1
		}
	}
	return 0
}

// findLine returns the first line that starts (after spaces) with prefix.
func findLine(data []byte, prefix string) int {
	for i, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), prefix) {
			return i + 1
		}
	}
	return 0
}

// daysRe is a number of days: digits with an optional fraction (no NaN,
// Inf, exponent or hexadecimal, which strconv.ParseFloat would take).
var daysRe = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)d$`)

// ParseDuration accepts Go durations plus days ("90d").
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, "d") {
		if !daysRe.MatchString(s) {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		n, err := strconv.ParseFloat(strings.TrimSuffix(s, "d"), 64)
		if err != nil {
			return 0, err
		}
		// Converting an out-of-range float to an integer gives a value
		// that depends on the processor: refuse it rather than wrap.
		ns := n * float64(24*time.Hour)
		if !(ns > math.MinInt64 && ns < math.MaxInt64) {
			return 0, fmt.Errorf("duration %q is too long", s)
		}
		return time.Duration(ns), nil
	}
	return time.ParseDuration(s)
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
