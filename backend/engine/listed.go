package engine

import "switchboard/backend"

// leasesListed tells the UI, once per run, that an account's leases have
// been listed in full: before that, no lease shown does not yet mean none
// held (an account turns healthy on its balance, before its leases).
func (e *Engine) leasesListed(a *acct) {
	if a.leasesListed {
		return
	}
	a.leasesListed = true
	e.out.push(backend.Event{LeasesListed: []string{a.info.Name}})
}
