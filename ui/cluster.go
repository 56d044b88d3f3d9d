package ui

import "switchboard/backend"

// clusterChanged takes this node's reach of the team's etcd: while it is
// unreachable the status bar says so, and since when — the screens show
// the last state the node had, and actions are refused with the reason.
func (m *Model) clusterChanged(h backend.ClusterHealth) {
	if h.Unreachable {
		m.cluster = &h
		m.toast(backend.Failure, "etcd unreachable ("+h.Error+"): read-only — actions are refused, polling has stopped")
		return
	}
	if m.cluster == nil {
		return
	}
	m.cluster = nil
	m.toast(backend.Success, "etcd answers again: this node takes its share of the accounts back")
}

// clusterNote is the status bar's red banner while etcd is unreachable.
func (m *Model) clusterNote() string {
	if m.cluster == nil {
		return ""
	}
	return m.theme.Bad.Render("✗ etcd unreachable since " + m.cluster.Since.Local().Format("15:04:05") + " · read-only")
}
