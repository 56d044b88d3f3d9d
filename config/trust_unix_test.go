//go:build unix

package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// trustSetup makes home/conf/config.yaml (home being $HOME) whose
// api_key_cmd leaves a mark when it runs.
func trustSetup(t *testing.T) (home, path, mark string) {
	t.Helper()
	top := t.TempDir()
	home = filepath.Join(top, "home")
	if err := os.MkdirAll(filepath.Join(home, "conf"), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", home)
	mark = filepath.Join(top, "ran")
	path = filepath.Join(home, "conf", "config.yaml")
	text := "accounts:\n  - name: a\n    provider: pivday\n    api_key_cmd: touch '" + mark + "'; echo k\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return home, path, mark
}

func chmod(t *testing.T, p string, m os.FileMode) {
	t.Helper()
	if err := os.Chmod(p, m); err != nil {
		t.Fatal(err)
	}
}

// pretend runs the test as another uid (owners are compared with it).
func pretend(t *testing.T, uid int) {
	old := currentUID
	currentUID = func() int { return uid }
	t.Cleanup(func() { currentUID = old })
}

// someoneElse makes p belong to another user: chown as root, else
// pretend to be another user.
func someoneElse(t *testing.T, p string) {
	t.Helper()
	if os.Geteuid() == 0 {
		if err := os.Chown(p, 4242, 4242); err != nil {
			t.Fatal(err)
		}
		return
	}
	pretend(t, os.Geteuid()+1)
}

func wantRefused(t *testing.T, path, mark, msg, fix string) {
	t.Helper()
	_, err := Load(path, Options{})
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("accepted; want a refusal saying %q", msg)
	}
	if ce.File != path || !strings.Contains(ce.Msg, msg) || !strings.Contains(ce.Fix, fix) {
		t.Errorf("got %v\nwant %q, fix %q", err, msg, fix)
	}
	if _, err := os.Stat(mark); err == nil {
		t.Error("the file's api_key_cmd ran before it was refused")
	}
}

func wantAccepted(t *testing.T, path, mark string) {
	t.Helper()
	if _, err := Load(path, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(mark); err != nil {
		t.Error("api_key_cmd did not run")
	}
}

func TestWritableConfigIsRefused(t *testing.T) {
	for _, m := range []os.FileMode{0o620, 0o602, 0o666, 0o664} {
		t.Run(m.String(), func(t *testing.T) {
			_, path, mark := trustSetup(t)
			chmod(t, path, m)
			wantRefused(t, path, mark, "config file is writable by group or others", "chmod go-w "+path)
		})
	}
	t.Run("readable is fine without literal secrets", func(t *testing.T) {
		_, path, mark := trustSetup(t)
		chmod(t, path, 0o644)
		wantAccepted(t, path, mark)
	})
}

func TestConfigOfAnotherUserIsRefused(t *testing.T) {
	_, path, mark := trustSetup(t)
	someoneElse(t, path)
	wantRefused(t, path, mark, "belongs to", "sudo chown "+userName(currentUID())+" "+path)
}

// Root's files are trusted while only root can write them (a config in
// /etc, say).
func TestRootOwnedConfig(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs a root-owned file")
	}
	_, path, mark := trustSetup(t)
	pretend(t, 4242)
	// The directories stay root's too; they are not what is tested here.
	chmod(t, path, 0o644)
	wantAccepted(t, path, mark)
	_ = os.Remove(mark)
	chmod(t, path, 0o664)
	wantRefused(t, path, mark, "writable by group or others", "sudo chmod go-w "+path)
}

func TestLooseDirectoryIsRefused(t *testing.T) {
	t.Run("group-writable parent", func(t *testing.T) {
		_, path, mark := trustSetup(t)
		dir := filepath.Dir(path)
		chmod(t, dir, 0o770)
		wantRefused(t, path, mark, "the directory "+dir+" is writable by group or others", "chmod go-w "+dir)
	})
	t.Run("world-writable home", func(t *testing.T) {
		home, path, mark := trustSetup(t)
		chmod(t, home, 0o777)
		wantRefused(t, path, mark, "the directory "+home+" is writable", "chmod go-w "+home)
	})
	t.Run("parent of another user", func(t *testing.T) {
		_, path, mark := trustSetup(t)
		dir := filepath.Dir(path)
		someoneElse(t, dir)
		if os.Geteuid() != 0 {
			// Pretending moved the file to someone else too.
			t.Skip("needs root to give away only the directory")
		}
		wantRefused(t, path, mark, "the directory "+dir+" belongs to", "a directory of your own")
	})
	t.Run("sticky world-writable directory", func(t *testing.T) {
		_, path, mark := trustSetup(t)
		chmod(t, filepath.Dir(path), 0o777|os.ModeSticky)
		wantAccepted(t, path, mark)
	})
	t.Run("above home is not checked", func(t *testing.T) {
		home, path, mark := trustSetup(t)
		chmod(t, filepath.Dir(home), 0o777)
		wantAccepted(t, path, mark)
	})
	t.Run("outside home, every directory up to /", func(t *testing.T) {
		home, path, mark := trustSetup(t)
		t.Setenv("HOME", filepath.Join(home, "elsewhere"))
		chmod(t, filepath.Dir(home), 0o777)
		wantRefused(t, path, mark, "the directory "+filepath.Dir(home)+" is writable", "chmod go-w")
	})
	t.Run("symlink into a loose directory", func(t *testing.T) {
		home, path, mark := trustSetup(t)
		loose := filepath.Join(home, "loose")
		if err := os.Mkdir(loose, 0o700); err != nil {
			t.Fatal(err)
		}
		target := filepath.Join(loose, "config.yaml")
		if err := os.Rename(path, target); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, path); err != nil {
			t.Fatal(err)
		}
		wantAccepted(t, path, mark)
		_ = os.Remove(mark)
		chmod(t, loose, 0o777)
		wantRefused(t, path, mark, "the directory "+loose+" is writable", "chmod go-w "+loose)
	})
}

// The old rule stays: a literal secret in a file others can read.
func TestLiteralSecretInReadableFile(t *testing.T) {
	_, path, _ := trustSetup(t)
	if err := os.WriteFile(path, []byte("accounts:\n  - name: a\n    provider: pivday\n    api_key: hunter2hunter2\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	chmod(t, path, 0o640)
	_, err := Load(path, Options{})
	var ce *Error
	if !errors.As(err, &ce) || ce.Line != 4 || !strings.Contains(ce.Fix, "chmod 600 "+path) || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("got %v", err)
	}
}

func TestOwnerOf(t *testing.T) {
	fi, err := os.Stat(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	uid, ok := ownerOf(fi)
	if !ok || uid != os.Geteuid() {
		t.Fatalf("owner %d %v, want %d", uid, ok, os.Geteuid())
	}
}
