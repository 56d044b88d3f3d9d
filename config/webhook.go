package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// hostNameRe is a DNS name: letters, digits, hyphens and dots.
var hostNameRe = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\.?$`)

// DefaultWebhookHost is the interface a webhook_listen without a host
// binds: loopback, so a reverse proxy (or an SSH tunnel) decides who may
// reach the receiver, never the machine's network by accident.
const DefaultWebhookHost = "127.0.0.1"

// Webhooks is where provider webhooks are received.
type Webhooks struct {
	// Listen is the address to bind, host always given ("" = off):
	// ":18850" in the file becomes "127.0.0.1:18850".
	Listen string
	// Exposed: the file names a host that is not loopback (0.0.0.0, a
	// LAN address, a host name), so other machines may reach the receiver.
	Exposed bool
	// PublicURL is the base the providers are given (a reverse proxy's
	// https address), without a trailing slash; "" = the listen address.
	PublicURL string
}

// parseWebhooks checks webhook_listen and webhook_public_url.
func parseWebhooks(path string, data []byte, listen, public string) (Webhooks, error) {
	var w Webhooks
	if public != "" && listen == "" {
		return w, &Error{File: path, Line: findLine(data, "webhook_public_url:"), Msg: "webhook_public_url is set but webhook_listen is not",
			Fix: "add webhook_listen: :18850 (the local address your reverse proxy forwards to), or remove webhook_public_url"}
	}
	if listen == "" {
		return w, nil
	}
	addr, exposed, err := ListenAddress(listen)
	if err != nil {
		return w, &Error{File: path, Line: findLine(data, "webhook_listen:"), Msg: fmt.Sprintf("webhook_listen %q: %v", listen, err),
			Fix: "write host:port or :port, e.g. webhook_listen: :18850 (loopback) or 0.0.0.0:18850 (every interface)"}
	}
	w.Listen, w.Exposed = addr, exposed
	if public != "" {
		u, err := PublicURL(public)
		if err != nil {
			return w, &Error{File: path, Line: findLine(data, "webhook_public_url:"), Msg: fmt.Sprintf("webhook_public_url %q: %v", public, err),
				Fix: "write the https address the providers should call, e.g. webhook_public_url: https://hooks.example.com"}
		}
		w.PublicURL = u
	}
	return w, nil
}

// ListenAddress resolves a webhook_listen value: a missing host means
// loopback; exposed reports a host other machines may reach.
func ListenAddress(s string) (addr string, exposed bool, err error) {
	host, port, err := net.SplitHostPort(strings.TrimSpace(s))
	if err != nil {
		return "", false, fmt.Errorf("not host:port (%s)", strings.TrimPrefix(err.Error(), "address "+strings.TrimSpace(s)+": "))
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", false, fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	if host == "" {
		return net.JoinHostPort(DefaultWebhookHost, port), false, nil
	}
	if ip := net.ParseIP(host); ip != nil {
		return net.JoinHostPort(host, port), !ip.IsLoopback(), nil
	}
	if !hostNameRe.MatchString(host) {
		return "", false, fmt.Errorf("host %q is neither an IP address nor a host name", host)
	}
	return net.JoinHostPort(host, port), !strings.EqualFold(host, "localhost"), nil
}

// PublicURL checks a webhook_public_url: https (http only for a loopback
// host, for local tests), a host, no query, fragment or user; the result
// has no trailing slash, so "/hooks/…" can be appended.
func PublicURL(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return "", fmt.Errorf("not a URL")
	}
	switch {
	case u.Host == "" || u.Hostname() == "":
		return "", fmt.Errorf("no host")
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
		return "", fmt.Errorf("only scheme, host, port and path may be given")
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopbackHost(u.Hostname()):
	default:
		return "", fmt.Errorf("providers must call an https address (piv.day and NonVoip ask for one)")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u.String(), nil
}

func isLoopbackHost(h string) bool {
	if ip := net.ParseIP(h); ip != nil {
		return ip.IsLoopback()
	}
	return strings.EqualFold(h, "localhost")
}
