package router

import "testing"

// PrimaryPosition stands for a commit whose position could not be read:
// no replica position covers it, it survives a token's string form, and
// a later position merged over it replaces it.
func TestPrimaryPosition(t *testing.T) {
	p := PrimaryPosition()
	for _, have := range []string{"pg:FF/0", "mariadb:0-1-99", "mysql:aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa:1-99", "primary:"} {
		if mustPos(t, have).Covers(p) {
			t.Errorf("%s covers the primary position", have)
		}
	}
	tok, err := ParseToken(NewToken("default", p).String())
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.Position("default"); got.Kind() != PositionPrimary {
		t.Fatalf("token round trip: %v", got)
	}
	if _, err := ParsePosition("primary:0/1"); err == nil {
		t.Fatal("primary position with a value accepted")
	}
	later := mustPos(t, "pg:0/100")
	if got := NewToken("default", mustPos(t, "pg:0/50")).Merge(NewToken("default", p)).Position("default"); got.Kind() != PositionPrimary {
		t.Fatalf("an unknown commit after a known one: %v, want the primary position", got)
	}
	if got := NewToken("default", p).Merge(NewToken("default", later)).Position("default"); got.String() != later.String() {
		t.Fatalf("a known commit after an unknown one: %v, want %v", got, later)
	}
}
