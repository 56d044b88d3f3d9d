package serve

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	gossh "golang.org/x/crypto/ssh"
)

// HostKeyName is the host key's file in the state directory.
const HostKeyName = "ssh_host_ed25519_key"

// HostKey loads the SSH host key from path, or makes one (ed25519, mode
// 0600) when there is none; created says which. A key file others can
// read is made private.
func HostKey(path string) (signer gossh.Signer, created bool, err error) {
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := private(path); err != nil {
			return nil, false, err
		}
		signer, err := gossh.ParsePrivateKey(b)
		if err != nil {
			return nil, false, fmt.Errorf("the SSH host key %s cannot be read (%v): move it away and a new one is made", path, err)
		}
		return signer, false, nil
	case !errors.Is(err, os.ErrNotExist):
		return nil, false, fmt.Errorf("the SSH host key: %w", err)
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, false, err
	}
	block, err := gossh.MarshalPrivateKey(key, "switchboard host key")
	if err != nil {
		return nil, false, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("writing the SSH host key: %w", err)
	}
	if err := errors.Join(pem.Encode(f, block), f.Sync(), f.Close()); err != nil {
		_ = os.Remove(path)
		return nil, false, fmt.Errorf("writing the SSH host key: %w", err)
	}
	signer, err = gossh.NewSignerFromKey(key)
	return signer, true, err
}

// private takes group and others' access away from the key file. It
// lives in the state directory, which the cache keeps ours and 0700.
func private(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return os.Chmod(path, 0o600)
	}
	return nil
}

// Fingerprint is what `ssh` shows for the key on first connection.
func Fingerprint(s gossh.Signer) string { return gossh.FingerprintSHA256(s.PublicKey()) }
