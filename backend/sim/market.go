package sim

import (
	"net/http"
	"time"

	"switchboard/backend"
)

// Market simulates the market API. (Placeholder: replaced by the full simulator.)
type Market struct{ s *Sim }

func newMarket(s *Sim) *Market { return &Market{s: s} }

func (p *Market) kind() backend.ProviderKind { return backend.Market }
func (p *Market) prefix() string             { return "/api/v1" }
func (p *Market) routes(mux *http.ServeMux)  {}
func (p *Market) tick(now time.Time)         {}
func (p *Market) tooMany(w http.ResponseWriter, retry time.Duration, hint bool) {
	w.WriteHeader(http.StatusTooManyRequests)
}
func (p *Market) credentials() []Credential { return nil }
