package cache

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestWebhookTokensAreMadeOnceAndKept: a token is made on first use,
// random, URL-safe and at least 128 bits, kept in a private file, and
// the same on every later call.
func TestWebhookTokensAreMadeOnceAndKept(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	first, err := WebhookTokens(dir, []string{"piv-main", "nonvoip"})
	if err != nil {
		t.Fatal(err)
	}
	if first["piv-main"] == first["nonvoip"] || len(first["piv-main"]) < 22 || !tokenRe.MatchString(first["nonvoip"]) {
		t.Fatalf("tokens %v", first)
	}
	again, err := WebhookTokens(dir, []string{"nonvoip", "piv-main", "piv-2"})
	if err != nil {
		t.Fatal(err)
	}
	if again["piv-main"] != first["piv-main"] || again["nonvoip"] != first["nonvoip"] || again["piv-2"] == "" {
		t.Fatalf("tokens changed: %v then %v", first, again)
	}
	fi, err := os.Stat(filepath.Join(dir, TokenDir, "piv-main"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v %v", fi.Mode(), err)
	}
	if di, _ := os.Stat(filepath.Join(dir, TokenDir)); di.Mode().Perm() != 0o700 {
		t.Fatalf("token directory mode %v", di.Mode())
	}
	left, _ := filepath.Glob(filepath.Join(dir, TokenDir, ".new-*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

// TestWebhookTokensAgreeUnderRace: processes making the same token at
// once all get the one that was kept.
func TestWebhookTokensAgreeUnderRace(t *testing.T) {
	dir := t.TempDir()
	got := make([]string, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m, err := WebhookTokens(dir, []string{"a"})
			if err != nil {
				t.Error(err)
			}
			got[i] = m["a"]
		}()
	}
	wg.Wait()
	for _, g := range got {
		if g != got[0] {
			t.Fatalf("tokens disagree: %v", got)
		}
	}
}

// TestDamagedWebhookTokenIsReportedNotReplaced: a token file that does not
// hold a token is an error that says what to do, and is left as it was.
func TestDamagedWebhookTokenIsReportedNotReplaced(t *testing.T) {
	dir := t.TempDir()
	if _, err := WebhookTokens(dir, []string{"a"}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, TokenDir, "a")
	if err := os.WriteFile(path, []byte("short\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := WebhookTokens(dir, []string{"a"})
	if err == nil || !strings.Contains(err.Error(), "delete it") {
		t.Fatalf("error %v", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "short\n" {
		t.Fatalf("the damaged file was changed: %q", data)
	}
	for _, bad := range []string{"../x", ".hidden", "a/b"} {
		if _, err := WebhookTokens(dir, []string{bad}); err == nil {
			t.Errorf("account %q named a file", bad)
		}
	}
}
