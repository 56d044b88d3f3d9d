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
