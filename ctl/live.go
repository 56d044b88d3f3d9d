package ctl

import (
	"switchboard/backend"
	"switchboard/backend/engine"
	"switchboard/hub"
)

// Local is this process's engine and its hub as the verbs use them (a
// cluster node would bring its own Live).
type Local struct {
	Hub    *hub.Hub
	Engine *engine.Engine
}

// Subscribe follows the hub as an operator.
func (l Local) Subscribe(operator string) (Stream, backend.Event) {
	sub, snap := l.Hub.Subscribe(operator)
	return sub, snap
}

// As is the engine's door for an operator.
func (l Local) As(operator string) Door { return l.Engine.As(operator) }
