package cache

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// TokenDir is where webhook tokens live in the state directory: one file
// per account. Not in state.db or ledger.db: `switchboard hooks` reads
// them while the dashboard holds the databases' lock, and a state.db
// rebuilt after damage must not change the URLs registered with the
// providers.
const TokenDir = "webhook-tokens"

// tokenBytes of randomness make a token (256 bits; 43 URL-safe characters).
const tokenBytes = 32

var tokenRe = regexp.MustCompile(`^[A-Za-z0-9_-]{22,}$`)

// WebhookTokens returns each account's secret webhook token, making one
// for an account that has none yet. A token is made once and kept: the
// URL registered with a provider stays valid across restarts. Two
// processes making the same account's token at once agree on one.
func WebhookTokens(dir string, accounts []string) (map[string]string, error) {
	if err := ensureDir(dir); err != nil {
		return nil, err
	}
	tdir := filepath.Join(dir, TokenDir)
	if err := ensureDir(tdir); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(accounts))
	for _, name := range accounts {
		if name == "" || strings.HasPrefix(name, ".") || filepath.Base(name) != name {
			return nil, fmt.Errorf("cache: %q cannot name a webhook token file", name)
		}
		tok, err := accountToken(filepath.Join(tdir, name))
		if err != nil {
			return nil, err
		}
		out[name] = tok
	}
	return out, nil
}

// accountToken reads the token in path, or makes it: written in full to
// a temporary file, then linked into place, which fails if another
// process got there first (its token is the one read and kept).
func accountToken(path string) (string, error) {
	if tok, err := readToken(path); !errors.Is(err, fs.ErrNotExist) {
		return tok, err
	}
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("cache: making a webhook token: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".new-*") // 0600
	if err != nil {
		return "", fmt.Errorf("cache: making a webhook token: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(base64.RawURLEncoding.EncodeToString(b) + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("cache: writing a webhook token: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("cache: writing a webhook token: %w", err)
	}
	return readToken(path)
}

// readToken reads a token file of ours (made private if it was not).
func readToken(path string) (string, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("cache: webhook token %s is not a regular file", path)
	}
	if err := makePrivate(path, fi, 0o600); err != nil {
		return "", err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("cache: reading webhook token: %w", err)
	}
	tok := strings.TrimSpace(string(data))
	if !tokenRe.MatchString(tok) {
		return "", fmt.Errorf("cache: webhook token %s is damaged; delete it to make a new one, then register the new URL (switchboard hooks) with the provider", path)
	}
	return tok, nil
}
