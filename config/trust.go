package config

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
)

// currentUID is the user Switchboard runs as (tests pretend to be another).
var currentUID = os.Geteuid

// checkTrust refuses a config file that someone else could have written,
// before anything in it is used: it names commands Switchboard runs and
// the servers it sends keys to. As OpenSSH's StrictModes: the file must
// belong to you or to root and must not be writable by group or others;
// so must every directory above it (following symlinks, and the path as
// given) up to your home directory, or up to / for a file outside it. A
// directory with the sticky bit (/tmp) may be writable by all: no one can
// rename or replace what is yours in it.
func checkTrust(path string, st os.FileInfo) error {
	owner, ok := ownerOf(st)
	if !ok {
		return nil // no owners or Unix modes on this system
	}
	me := currentUID()
	if err := trusted(path, path, st.Mode(), owner, me); err != nil {
		return err
	}
	for _, dir := range dirsAbove(path) {
		fi, err := os.Stat(dir)
		if err != nil {
			return &Error{File: path, Msg: "cannot check the directory " + dir + ": " + errText(err)}
		}
		owner, _ := ownerOf(fi)
		if err := trusted(path, dir, fi.Mode(), owner, me); err != nil {
			return err
		}
	}
	return nil
}

// trusted checks one file or directory (p) on the way to the config file.
func trusted(file, p string, mode os.FileMode, owner, me int) error {
	writable := mode.Perm()&0o022 != 0 && !(mode.IsDir() && mode&os.ModeSticky != 0)
	foreign := owner != me && owner != 0
	if !writable && !foreign {
		return nil
	}
	what, risk := "the config file", "whoever can change it can make Switchboard run their commands or send your keys to their server"
	if p != file {
		what, risk = "the directory "+p, "whoever can write there can replace the config file"
	}
	e := &Error{File: file}
	chmod := "chmod go-w " + p
	if owner != me {
		chmod = "sudo " + chmod
	}
	if foreign {
		e.Msg = fmt.Sprintf("%s belongs to %s, not to you (%s): %s", what, who(owner), who(me), risk)
		e.Fix = fmt.Sprintf("if you trust what is in it: sudo chown %s %s", userName(me), p)
		if writable {
			e.Fix += " && chmod go-w " + p
		}
		if p != file {
			e.Fix += "; or keep the config file in a directory of your own"
		}
		return e
	}
	e.Msg = fmt.Sprintf("%s is writable by group or others (mode %04o): %s", what, mode.Perm(), risk)
	e.Fix = chmod
	return e
}

// dirsAbove lists the directories above path, as given and with symlinks
// resolved, each up to the home directory (included) or to /.
func dirsAbove(path string) []string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	stops := map[string]bool{}
	if home, err := os.UserHomeDir(); err == nil && home != "" {
		stops[filepath.Clean(home)] = true
		if real, err := filepath.EvalSymlinks(home); err == nil {
			stops[real] = true
		}
	}
	starts := []string{abs}
	if real, err := filepath.EvalSymlinks(abs); err == nil && real != abs {
		starts = append(starts, real)
	}
	var out []string
	seen := map[string]bool{}
	for _, p := range starts {
		for d := filepath.Dir(p); !seen[d]; d = filepath.Dir(d) {
			seen[d] = true
			out = append(out, d)
			if stops[d] || filepath.Dir(d) == d {
				break
			}
		}
	}
	return out
}

// who names a user in a message.
func who(uid int) string {
	if n := userName(uid); n != strconv.Itoa(uid) {
		return n
	}
	return "uid " + strconv.Itoa(uid)
}

// userName is a user's login name, or their uid when it has none (for
// chown, which takes either).
func userName(uid int) string {
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil && u.Username != "" {
		return u.Username
	}
	return strconv.Itoa(uid)
}
