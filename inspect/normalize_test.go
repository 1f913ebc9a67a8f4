package inspect

import "testing"

// TestNormalizeSQLInList: PostgreSQL's stored form of an IN list
// compares equal to the IN list that created it; other arrays do not.
func TestNormalizeSQLInList(t *testing.T) {
	for _, tt := range []struct {
		dialect, a, b string
		equal         bool
	}{
		{"postgres", "(c_text = ANY (ARRAY['a'::text, 'b'::text]))", "c_text IN ('a', 'b')", true},
		{"postgres", "((c_str)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))", `"c_str" IN ('a', 'b')`, true},
		{"postgres", "(n <> ALL (ARRAY[1, 2]))", "n NOT IN (1, 2)", true},
		{"postgres", "((c = ANY (ARRAY['a'::text])) OR (c IS NULL))", "c IN ('a') OR c IS NULL", true},
		{"postgres", "(c_text = ANY (ARRAY['a'::text, 'b'::text]))", "c_text IN ('a', 'c')", false},
		{"postgres", "(c_text = ANY (ARRAY['a'::text]))", "c_text NOT IN ('a')", false},
		{"postgres", "(n = ANY (tags))", "n IN (tags)", false},
	} {
		a, b := NormalizeSQL(tt.dialect, tt.a), NormalizeSQL(tt.dialect, tt.b)
		if (a == b) != tt.equal {
			t.Errorf("%s vs %s: %q and %q, want equal=%v", tt.a, tt.b, a, b, tt.equal)
		}
	}
}
