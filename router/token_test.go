package router

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func mustPos(t *testing.T, s string) Position {
	t.Helper()
	p, err := ParsePosition(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPositionCovers(t *testing.T) {
	tests := []struct {
		name       string
		have, need string
		want       bool
	}{
		{"lsn equal", "pg:0/100", "pg:0/100", true},
		{"lsn behind", "pg:0/FF", "pg:0/100", false},
		{"lsn high word", "pg:1/0", "pg:0/FFFFFFFF", true},
		{"mariadb ahead", "mariadb:0-1-9", "mariadb:0-1-8", true},
		{"mariadb other domain", "mariadb:0-1-9", "mariadb:1-1-1", false},
		{"mysql subset", "mysql:aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa:1-10", "mysql:aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa:4", true},
		{"kinds differ", "pg:9/0", "mariadb:0-1-1", false},
		{"nothing needed", "", "", true},
		{"empty replica", "", "pg:0/1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustPos(t, tt.have).Covers(mustPos(t, tt.need)); got != tt.want {
				t.Fatalf("%s covers %s = %v, want %v", tt.have, tt.need, got, tt.want)
			}
		})
	}
}

func TestTokenStringRoundTrip(t *testing.T) {
	tok := NewToken("default", mustPos(t, "pg:16/B374D848")).
		Merge(NewToken("analytics", mustPos(t, "mariadb:0-1-42,1-2-7")))
	s := tok.String()
	if strings.ContainsAny(s, ";, \"=\n\\") {
		t.Fatalf("token string %q is not cookie-safe", s)
	}
	back, err := ParseToken(s)
	if err != nil {
		t.Fatal(err)
	}
	if back.String() != s {
		t.Fatalf("round trip changed the token: %q vs %q", back.String(), s)
	}
	if got := back.Position("analytics").String(); got != "mariadb:0-1-42,1-2-7" {
		t.Fatalf("analytics position = %q", got)
	}
	if !back.Position("missing").IsZero() {
		t.Fatal("a group the token does not name must need nothing")
	}
}

func TestTokenMergeNewerWins(t *testing.T) {
	old := NewToken("default", mustPos(t, "pg:0/200"))
	newer := NewToken("default", mustPos(t, "pg:0/300"))
	for _, m := range []Token{old.Merge(newer), newer.Merge(old)} {
		if got := m.Position("default").String(); got != "pg:0/300" {
			t.Fatalf("merge kept %s, want the newer pg:0/300", got)
		}
	}
}

func TestTokenContext(t *testing.T) {
	ctx := context.Background()
	if _, ok := TokenFrom(ctx); ok {
		t.Fatal("empty context has a token")
	}
	ctx = WithToken(ctx, NewToken("a", mustPos(t, "pg:0/10")))
	ctx = WithToken(ctx, NewToken("b", mustPos(t, "pg:0/20")))
	got, ok := TokenFrom(ctx)
	if !ok || len(got.Groups()) != 2 {
		t.Fatalf("context token = %v, %v; want both groups", got.Groups(), ok)
	}
}

func TestParseTokenRejects(t *testing.T) {
	for name, in := range map[string]string{
		"no version":   "abc",
		"bad base64":   "v1.***",
		"no equals":    "v1." + b64("default"),
		"bad position": "v1." + b64("default=pg:zz"),
		"too long":     "v1." + strings.Repeat("A", 5000),
	} {
		if _, err := ParseToken(in); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: err = %v, want ErrInvalidToken", name, err)
		}
	}
}

// Issue 15, bug 11: a token whose position is of another kind than its
// group's replication is refused, not taken as reached.
func TestTokenOfTheWrongKindIsRefused(t *testing.T) {
	toks := map[PositionKind]string{
		PositionLSN:     "pg:16/B374D848",
		PositionMariaDB: "mariadb:0-1-42",
		PositionMySQL:   "mysql:aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa:1-5",
	}
	for _, gk := range []PositionKind{PositionLSN, PositionMariaDB, PositionMySQL, PositionNone} {
		for tk, ps := range toks {
			t.Run(gk.String()+"/"+tk.String(), func(t *testing.T) {
				g := &Group{name: "main", kind: gk}
				want := mustPos(t, ps)
				ctx := WithToken(context.Background(), NewToken("main", want))
				got, err := g.causalPosition(ctx)
				switch {
				case gk == PositionNone:
					// No replication: nothing to wait for, nothing to refuse.
					if err != nil {
						t.Fatalf("group without positions: %v", err)
					}
				case gk == tk:
					if err != nil || !got.Covers(want) || !want.Covers(got) {
						t.Fatalf("token of the group's kind: %v, %v; want %v", got, err, want)
					}
				default:
					if !errors.Is(err, ErrInvalidToken) || !strings.Contains(err.Error(), ps) || !strings.Contains(err.Error(), `"main"`) {
						t.Fatalf("%s token for a %s group: %v, %v; want ErrInvalidToken naming the group and position", tk, gk, got, err)
					}
				}
				// The same through a Tracker seeded with the token.
				tctx, _ := Track(ctx)
				_, terr := g.causalPosition(tctx)
				if (terr != nil) != (err != nil) {
					t.Fatalf("through a tracker: %v; directly: %v", terr, err)
				}
				// Another group's entry is not this group's concern.
				other := WithToken(context.Background(), NewToken("other", want))
				if _, err := g.causalPosition(other); err != nil {
					t.Fatalf("token for another group: %v", err)
				}
			})
		}
	}
}

// The stand-in of a commit whose position is unknown is valid in every
// group: it is not a replica position, it sends the read to the primary.
func TestPrimaryPositionTokenAcceptedByEveryGroup(t *testing.T) {
	for _, gk := range []PositionKind{PositionLSN, PositionMariaDB, PositionMySQL, PositionNone} {
		g := &Group{name: "main", kind: gk}
		ctx := WithToken(context.Background(), NewToken("main", PrimaryPosition()))
		got, err := g.causalPosition(ctx)
		if err != nil {
			t.Fatalf("%s group: %v", gk, err)
		}
		if gk != PositionNone && got.Kind() != PositionPrimary {
			t.Fatalf("%s group: position %v, want the primary stand-in", gk, got)
		}
	}
}
