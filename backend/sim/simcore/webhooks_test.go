package simcore

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"switchboard/backend"
)

// TestForgeWebhookSendsAnyBody: the forged-webhook hook delivers exactly
// the body given, as JSON, to the URL set, and returns the status.
func TestForgeWebhookSendsAnyBody(t *testing.T) {
	var got []byte
	var ctype string
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		ctype = r.Header.Get("Content-Type")
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rcv.Close()
	c, _ := start(t, Options{Manual: true}, backend.NonVoip)
	if _, err := c.ForgeWebhook(backend.NonVoip, []byte(`{}`)); err == nil {
		t.Fatal("forged a webhook with no URL set")
	}
	c.SetWebhook(backend.NonVoip, rcv.URL+"/hooks/x")
	body := `{"event":"incoming_message","message":{"order_id":999999,"sms":"code 123456","code":"123456"}}`
	status, err := c.ForgeWebhook(backend.NonVoip, []byte(body))
	if err != nil || status != http.StatusNoContent {
		t.Fatalf("status %d, %v", status, err)
	}
	if string(got) != body || ctype != "application/json" {
		t.Fatalf("received %q as %q", got, ctype)
	}
}
