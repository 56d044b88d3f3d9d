package backend

import "testing"

// A viewer only reads; an operator and an admin may do anything; an
// unknown role nothing. Only admins read everyone's journal.
func TestRolesAllowWhatTheySay(t *testing.T) {
	for _, k := range actionBits {
		reads := k == ActCheck || k == ActExport
		if RoleViewer.May(k) != reads {
			t.Errorf("viewer may %s: %v", k, RoleViewer.May(k))
		}
		if !RoleOperator.May(k) || !RoleAdmin.May(k) || Role("").May(k) || Role("root").May(k) {
			t.Errorf("%s: operator %v admin %v none %v", k, RoleOperator.May(k), RoleAdmin.May(k), Role("").May(k))
		}
	}
	if RoleViewer.SeesEveryone() || RoleOperator.SeesEveryone() || !RoleAdmin.SeesEveryone() {
		t.Error("only an admin reads everyone's journal")
	}
	for _, r := range Roles {
		if !r.Valid() {
			t.Errorf("%s is not valid", r)
		}
	}
}

func TestDoingWordsEveryActionKind(t *testing.T) {
	want := map[ActionKind]string{ActRenew: "renewing", ActCancel: "cancelling", ActFinish: "finishing",
		ActBan: "banning", ActReject: "rejecting", ActReuse: "reusing", ActRestore: "restoring",
		ActActivate: "activating", ActCheck: "checking", ActExport: "exporting", ActBuy: "buying",
		ActAutoRenewOn: "turning auto-renew on for", ActAutoRenewOff: "turning auto-renew off for"}
	for k, w := range want {
		if got := k.Doing(); got != w {
			t.Errorf("%s: %q, want %q", k, got, w)
		}
	}
}
