package transport_test

import (
	"net/http"
	"strings"
	"testing"

	"switchboard/backend"
	"switchboard/backend/transport"
)

// TestKindForStatus walks every status: the ones listed map as listed, every
// other 5xx is ErrUnavailable and everything else ErrOther. A status moved
// to another kind, or a new one mapped without a row here, fails.
func TestKindForStatus(t *testing.T) {
	want := map[int]backend.ErrKind{
		http.StatusBadRequest:          backend.ErrInvalid,
		http.StatusUnauthorized:        backend.ErrAuth,
		http.StatusPaymentRequired:     backend.ErrNoBalance,
		http.StatusForbidden:           backend.ErrForbidden,
		http.StatusNotFound:            backend.ErrNotFound,
		http.StatusMethodNotAllowed:    backend.ErrInvalid,
		http.StatusConflict:            backend.ErrRefused,
		http.StatusGone:                backend.ErrNotFound,
		http.StatusUnprocessableEntity: backend.ErrInvalid,
		http.StatusLocked:              backend.ErrRefused,
		http.StatusTooEarly:            backend.ErrRefused,
		http.StatusTooManyRequests:     backend.ErrRateLimited,
	}
	for status := 0; status < 1000; status++ {
		w, ok := want[status]
		switch {
		case ok:
		case status >= 500 && status <= 599:
			w = backend.ErrUnavailable
		default:
			w = backend.ErrOther
		}
		if got := transport.KindForStatus(status); got != w {
			t.Errorf("KindForStatus(%d) = %v, want %v", status, got, w)
		}
	}
}

func TestErrorForStatus(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		kind   backend.ErrKind
		code   string
		msg    string // substring of the message
	}{
		{"html 404 is a wrong route", 404, "<!DOCTYPE html><html><body>Not Found</body></html>", backend.ErrNotFound, transport.CodeRoute, "base URL"},
		{"html 401 is still the credentials", 401, "<html><body>Login</body></html>", backend.ErrAuth, "401", "credentials rejected"},
		{"html 403 is not the API", 403, "<html><head><title>Just a moment</title></head></html>", backend.ErrUnavailable, transport.CodeHTML, "Just a moment"},
		{"html 400 is not the API", 400, "  <HTML>bad request</HTML>", backend.ErrUnavailable, transport.CodeHTML, "HTTP 400"},
		{"html 410 is not a route", 410, "<html>gone</html>", backend.ErrUnavailable, transport.CodeHTML, "HTML page"},
		{"empty 401", 401, "", backend.ErrAuth, "401", "credentials rejected (HTTP 401)"},
		{"empty 402", 402, " \n", backend.ErrNoBalance, "402", "HTTP 402"},
		{"empty 404", 404, "", backend.ErrNotFound, "404", "HTTP 404"},
		{"empty 418", 418, "", backend.ErrOther, "418", "HTTP 418"},
		{"text keeps the provider's words", 409, "order is busy\n", backend.ErrRefused, "order is busy", "HTTP 409: order is busy"},
		{"text 422", 422, "bad field", backend.ErrInvalid, "bad field", "bad field"},
		{"text 405", 405, "use POST", backend.ErrInvalid, "use POST", "use POST"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient("http://unused", nil)
			e := c.ErrorForStatus("probe", tc.status, []byte(tc.body))
			if e.Kind != tc.kind || e.Code != tc.code || e.Status != tc.status || e.Op != "probe" ||
				e.Provider != backend.PivDay || !strings.Contains(e.Message, tc.msg) {
				t.Fatalf("got kind=%v code=%q status=%d op=%q msg=%q", e.Kind, e.Code, e.Status, e.Op, e.Message)
			}
		})
	}

	t.Run("secrets and escapes never come through", func(t *testing.T) {
		c := newClient("http://unused", func(cfg *transport.Config) { cfg.Secrets = []string{secret} })
		for _, body := range []string{
			"key " + secret + " \x1b]52;c;AAAA\x07 \u202egnp.exe",
			"<html><body>key " + secret + "\x1b[31m</body></html>",
		} {
			e := c.ErrorForStatus("read with "+secret, 400, []byte(body))
			for _, s := range []string{e.Op, e.Code, e.Message, e.Error()} {
				assertNoSecret(t, "error", s, secret)
				if strings.ContainsAny(s, "\x1b\x07\u202e") {
					t.Errorf("control or bidi character in %q", s)
				}
			}
		}
	})
}

func TestUnreadable(t *testing.T) {
	cases := []struct {
		name string
		read bool
		body string
		kind backend.ErrKind
		code string
		msg  []string // substrings of the message
	}{
		{"garbage on a read", true, `{"id":`, backend.ErrMalformed, "", []string{"unreadable answer (unexpected end)", `{"id":`}},
		{"html on a read", true, "<!doctype html><title>Maintenance</title>", backend.ErrUnavailable, transport.CodeHTML, []string{"HTML page", "Maintenance"}},
		{"empty on a read", true, "", backend.ErrMalformed, "", []string{"empty answer"}},
		{"garbage on a write", false, `{"id":`, backend.ErrOutcomeUnknown, "", []string{"unexpected end", "outcome unknown"}},
		{"html on a write", false, "<html>challenge</html>", backend.ErrOutcomeUnknown, "", []string{"HTML page", "challenge", "outcome unknown"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient("http://unused", nil)
			e := c.Unreadable("buy", tc.read, 200, []byte(tc.body), "unexpected end")
			if e.Kind != tc.kind || e.Code != tc.code || e.Status != 200 || e.Op != "buy" {
				t.Fatalf("got kind=%v code=%q status=%d op=%q", e.Kind, e.Code, e.Status, e.Op)
			}
			for _, m := range tc.msg {
				if !strings.Contains(e.Message, m) {
					t.Errorf("message %q lacks %q", e.Message, m)
				}
			}
		})
	}

	t.Run("a secret echoed in the body is redacted", func(t *testing.T) {
		c := newClient("http://unused", func(cfg *transport.Config) { cfg.Secrets = []string{secret} })
		e := c.Unreadable("buy", false, 200, []byte("not json, password="+secret), "")
		assertNoSecret(t, "message", e.Message, secret)
	})
}
