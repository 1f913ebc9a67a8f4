package router_test

import (
	"testing"

	"github.com/athanor-orm/athanor/router"
)

// GroupOf answers for a table name as GroupFor does for a statement: its
// bound group, else the default group.
func TestGroupOf(t *testing.T) {
	r, err := router.New(router.Config{
		Groups: []router.GroupConfig{
			{Name: "main", Primary: sqliteEngine(t, "a")},
			{Name: router.DefaultGroup, Primary: sqliteEngine(t, "b")},
		},
		Binds: map[string]string{"events": "main", "app.orders": "main"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, tc := range []struct{ table, group string }{
		{"events", "main"},
		{"app.orders", "main"},
		{"orders", router.DefaultGroup}, // another table than app.orders
		{"users", router.DefaultGroup},
	} {
		if g := r.GroupOf(tc.table); g == nil || g.Name() != tc.group {
			t.Errorf("GroupOf(%q) = %v, want %s", tc.table, g, tc.group)
		}
	}
}
