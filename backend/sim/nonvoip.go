package sim

import (
	"net/http"
	"time"

	"switchboard/backend"
)

// NonVoip simulates the nonvoip API. (Placeholder: replaced by the full simulator.)
type NonVoip struct{ s *Sim }

func newNonVoip(s *Sim) *NonVoip { return &NonVoip{s: s} }

func (p *NonVoip) kind() backend.ProviderKind { return backend.NonVoip }
func (p *NonVoip) prefix() string             { return "/manager" }
func (p *NonVoip) routes(mux *http.ServeMux)  {}
func (p *NonVoip) tick(now time.Time)         {}
func (p *NonVoip) tooMany(w http.ResponseWriter, retry time.Duration, hint bool) {
	w.WriteHeader(http.StatusTooManyRequests)
}
func (p *NonVoip) credentials() []Credential { return nil }
