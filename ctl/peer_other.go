//go:build !linux

package ctl

import "net"

// checkPeer relies on the socket's mode (0600) and its directory's
// (0700) where the system does not say who connected.
func checkPeer(net.Conn) error { return nil }
