package sqlitedriver

import "testing"

func TestMessageParsing(t *testing.T) {
	tests := []struct {
		name, driver, msg, table, columns string
	}{
		{"unique", "constraint failed: UNIQUE constraint failed: users.email (2067)", "UNIQUE constraint failed: users.email", "users", "email"},
		{"composite", "constraint failed: UNIQUE constraint failed: pair.a, pair.b (2067)", "UNIQUE constraint failed: pair.a, pair.b", "pair", "a, b"},
		{"busy", "database is locked (5) (SQLITE_BUSY)", "database is locked", "", ""},
		{"no decoration", "something else", "something else", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg := message(tc.driver)
			if msg != tc.msg {
				t.Fatalf("message(%q) = %q, want %q", tc.driver, msg, tc.msg)
			}
			if m := constraintMsg.FindStringSubmatch(msg); m != nil {
				if table, cols := tableColumns(m[1]); table != tc.table || cols != tc.columns {
					t.Errorf("tableColumns(%q) = %q, %q", m[1], table, cols)
				}
			}
		})
	}
}
