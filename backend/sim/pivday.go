package sim

import (
	"net/http"
	"time"

	"switchboard/backend"
)

// PivDay simulates the pivday API. (Placeholder: replaced by the full simulator.)
type PivDay struct{ s *Sim }

func newPivDay(s *Sim) *PivDay { return &PivDay{s: s} }

func (p *PivDay) kind() backend.ProviderKind { return backend.PivDay }
func (p *PivDay) prefix() string             { return "/api/v1" }
func (p *PivDay) routes(mux *http.ServeMux)  {}
func (p *PivDay) tick(now time.Time)         {}
func (p *PivDay) tooMany(w http.ResponseWriter, retry time.Duration, hint bool) {
	w.WriteHeader(http.StatusTooManyRequests)
}
func (p *PivDay) credentials() []Credential { return nil }
