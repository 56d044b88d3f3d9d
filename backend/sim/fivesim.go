package sim

import (
	"net/http"
	"time"

	"switchboard/backend"
)

// FiveSim simulates the fivesim API. (Placeholder: replaced by the full simulator.)
type FiveSim struct{ s *Sim }

func newFiveSim(s *Sim) *FiveSim { return &FiveSim{s: s} }

func (p *FiveSim) kind() backend.ProviderKind { return backend.FiveSim }
func (p *FiveSim) prefix() string             { return "/v1" }
func (p *FiveSim) routes(mux *http.ServeMux)  {}
func (p *FiveSim) tick(now time.Time)         {}
func (p *FiveSim) tooMany(w http.ResponseWriter, retry time.Duration, hint bool) {
	w.WriteHeader(http.StatusTooManyRequests)
}
func (p *FiveSim) credentials() []Credential { return nil }
