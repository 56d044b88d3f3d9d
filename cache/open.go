package cache

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// errLocked means another process holds the file's lock.
var errLocked = errors.New("locked by another process")

// damageError says a file's contents cannot be trusted, as opposed to an
// error of the system (permissions, a full disk) that leaves them intact.
type damageError struct {
	file  string
	cause error
}

func (e *damageError) Error() string { return e.file + " is damaged: " + e.cause.Error() }
func (e *damageError) Unwrap() error { return e.cause }

func isDamage(err error) bool {
	var d *damageError
	return errors.As(err, &d) || errors.Is(err, errRecord)
}

// damageCause is the short reason shown to the operator.
func damageCause(err error) string {
	var d *damageError
	if errors.As(err, &d) {
		return d.cause.Error()
	}
	return err.Error()
}

// protect runs fn with memory faults turned into panics (a damaged or
// truncated file is memory-mapped, so reading it can fault) and turns any
// panic into a damageError: bbolt panics on pages it cannot make sense of.
func protect(file string, fn func() error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		if r := recover(); r != nil {
			err = &damageError{file: file, cause: fmt.Errorf("unreadable page (%v)", r)}
		}
	}()
	return fn()
}

// ErrNotYours is returned (wrapped) when the state directory, state.db or
// ledger.db belongs to another user.
var ErrNotYours = errors.New("belongs to another user")

// currentUID is the user Switchboard runs as (tests pretend to be another).
var currentUID = os.Geteuid

// ensureDir creates the state directory, or makes an existing one private.
func ensureDir(dir string) error {
	fi, err := os.Stat(dir)
	if err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("cache: state directory %s is not a directory", dir)
		}
		return makePrivate(dir, fi, 0o700)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cache: state directory: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cache: creating state directory: %w", err)
	}
	// MkdirAll's mode passes through the umask; say exactly what we mean.
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("cache: state directory: %w", err)
	}
	return nil
}

// makePrivate refuses a file or directory of another user (it could read
// the codes or rewrite the journal) and takes group and others' access
// away from one of ours.
func makePrivate(path string, fi os.FileInfo, mode os.FileMode) error {
	if err := checkOwner(path, fi); err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(path, mode); err != nil {
			return fmt.Errorf("cache: making %s private: %w", path, err)
		}
	}
	return nil
}

// checkOwner refuses a file or directory of another user.
func checkOwner(path string, fi os.FileInfo) error {
	if owner, ok := fileOwner(fi); ok && owner != currentUID() {
		what := "the state directory " + path
		if !fi.IsDir() {
			what = path
		}
		return fmt.Errorf("cache: %s %w (uid %d, not you: uid %d), who could read your codes and change your journal; "+
			"choose another --state-dir, or if it is yours: sudo chown -R $USER %s", what, ErrNotYours, owner, currentUID(), path)
	}
	return nil
}

// openFile opens one bbolt file, brings it to the current schema and
// checks it. Errors are errLocked, a *damageError, a schema error, or an
// error of the system.
func openFile(path string, layout fileLayout, lockTimeout time.Duration) (*bolt.DB, error) {
	var file *os.File
	opts := &bolt.Options{
		Timeout: lockTimeout,
		OpenFile: func(name string, flag int, mode os.FileMode) (*os.File, error) {
			f, err := os.OpenFile(name, flag, mode)
			file = f
			return f, err
		},
	}
	// An existing file is checked before bbolt reads a byte of it.
	if fi, err := os.Stat(path); err == nil {
		if err := makePrivate(path, fi, 0o600); err != nil {
			return nil, err
		}
	}
	var db *bolt.DB
	err := protect(layout.name, func() error {
		var err error
		db, err = bolt.Open(path, 0o600, opts)
		return err
	})
	if err != nil {
		if db == nil && file != nil && isDamage(err) {
			// bbolt panicked half-way through Open: release the file and
			// its lock ourselves.
			_ = file.Close()
		}
		return nil, classifyOpenError(layout.name, err)
	}

	fail := func(err error) (*bolt.DB, error) {
		_ = protect(layout.name, db.Close)
		return nil, err
	}
	if err := protect(layout.name, func() error { return migrate(db, layout) }); err != nil {
		if errors.Is(err, errRecord) {
			err = &damageError{file: layout.name, cause: err}
		}
		return fail(err)
	}
	if err := protect(layout.name, func() error { return check(db, layout) }); err != nil {
		if !isDamage(err) {
			err = &damageError{file: layout.name, cause: err}
		}
		return fail(err)
	}
	return db, nil
}

func classifyOpenError(name string, err error) error {
	if errors.Is(err, berrors.ErrTimeout) {
		return errLocked
	}
	if isDamage(err) {
		return err
	}
	var pathErr *fs.PathError
	var errno syscall.Errno
	if errors.As(err, &pathErr) || errors.As(err, &errno) {
		return fmt.Errorf("cache: opening %s: %w", name, err)
	}
	// Everything else bbolt says on open is about the contents: invalid
	// or mismatched meta pages, a file too small for its own header.
	return &damageError{file: name, cause: err}
}

// check reads every record the layout asks for, verifying checksums, and
// for a full check every page of the file and bbolt's own consistency
// check. It runs on the caller's goroutine (under protect) so that a fault
// on a bad page becomes an error.
func check(db *bolt.DB, layout fileLayout) error {
	err := db.View(func(tx *bolt.Tx) error {
		info, err := os.Stat(db.Path())
		if err != nil {
			return fmt.Errorf("cache: %w", err)
		}
		if info.Size() < tx.Size() {
			return &damageError{file: layout.name,
				cause: fmt.Errorf("file is %d bytes but its contents need %d (truncated)", info.Size(), tx.Size())}
		}
		for _, name := range layout.buckets {
			if tx.Bucket(name) == nil {
				return &damageError{file: layout.name, cause: fmt.Errorf("bucket %q is missing", name)}
			}
		}
		records := make(map[string]bool, len(layout.records))
		for _, name := range layout.records {
			records[string(name)] = true
		}
		if !layout.fullCheck {
			for _, name := range layout.records {
				if err := walk(tx.Bucket(name), true); err != nil {
					return err
				}
			}
			return nil
		}
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			return walk(b, records[string(name)])
		})
	})
	if err != nil || !layout.fullCheck {
		return err
	}
	// bbolt's check runs on its own goroutine, where a fault would be
	// fatal; the walk above has already read every reachable page here,
	// so it only looks at pages known to be readable.
	return db.View(func(tx *bolt.Tx) error {
		var problems []string
		for err := range tx.Check() {
			if len(problems) < 3 {
				problems = append(problems, err.Error())
			}
		}
		if len(problems) > 0 {
			return &damageError{file: layout.name, cause: errors.New(strings.Join(problems, "; "))}
		}
		return nil
	})
}

// walk reads every value in b (and its sub-buckets), checking records.
func walk(b *bolt.Bucket, records bool) error {
	return b.ForEach(func(k, v []byte) error {
		if v == nil {
			if sub := b.Bucket(k); sub != nil {
				return walk(sub, false)
			}
			return nil
		}
		if records {
			if err := checkRecord(v); err != nil {
				return fmt.Errorf("key %q: %w", k, err)
			}
			return nil
		}
		// Touch every byte so an unreadable overflow page shows up now.
		crc32.ChecksumIEEE(v)
		return nil
	})
}

// moveAside renames a damaged file to name.damaged-<time>, never over an
// earlier one.
func moveAside(path string, now time.Time) (string, error) {
	base := path + ".damaged-" + now.Format("20060102T150405")
	aside := base
	for i := 2; ; i++ {
		if _, err := os.Lstat(aside); errors.Is(err, fs.ErrNotExist) {
			break
		}
		aside = base + "-" + strconv.Itoa(i)
	}
	if err := os.Rename(path, aside); err != nil {
		return "", err
	}
	return aside, nil
}

// writePID records our pid for the "in use" error of a second Switchboard.
func writePID(path string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		return fmt.Errorf("cache: writing pid file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("cache: writing pid file: %w", err)
	}
	return nil
}

// removePID deletes the pid file if it is still ours.
func removePID(path string) {
	b, err := os.ReadFile(path)
	if err == nil && strings.TrimSpace(string(b)) == strconv.Itoa(os.Getpid()) {
		_ = os.Remove(path)
	}
}
