package postgres

import (
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/athanor-orm/athanor/core"
)

// unquoteIdent reverses AppendIdent, failing on anything it could not have
// produced (an undoubled quote inside).
func unquoteIdent(t *testing.T, q string) string {
	if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' {
		t.Fatalf("not double-quoted: %q", q)
	}
	body := q[1 : len(q)-1]
	var sb strings.Builder
	for i := 0; i < len(body); i++ {
		if body[i] == '"' {
			if i+1 >= len(body) || body[i+1] != '"' {
				t.Fatalf("lone quote inside %q: the identifier would end early", q)
			}
			i++
		}
		sb.WriteByte(body[i])
	}
	return sb.String()
}

// FuzzAppendIdent checks quoting round-trips exactly, and that a name
// PostgreSQL would alter (NUL, over-long, bad UTF-8) is an error wrapping
// core.ErrInvalidIdentifier. Seeds: testdata/fuzz/FuzzAppendIdent.
func FuzzAppendIdent(f *testing.F) {
	for _, s := range []string{"users", "--", "/* */", "$$", "$1", `\`, `"`, `""`, "'", "`", "a\x00b", "é", strings.Repeat("x", 64)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		b, err := Dialect.AppendIdent([]byte("p"), name)
		bad := name == "" || strings.IndexByte(name, 0) >= 0 || len(name) > maxIdentLen || !utf8.ValidString(name)
		if bad {
			if !errors.Is(err, core.ErrInvalidIdentifier) {
				t.Fatalf("%q: want ErrInvalidIdentifier, got %v", name, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		if string(b[:1]) != "p" {
			t.Fatalf("prefix lost")
		}
		if got := unquoteIdent(t, string(b[1:])); got != name {
			t.Fatalf("round trip %q -> %q", name, got)
		}
	})
}

// FuzzAppendLiteral checks DDL string literals parse back to the input,
// in both the plain and the E” form.
func FuzzAppendLiteral(f *testing.F) {
	for _, s := range []string{"", "it's", `\`, `\'`, "''", "$$", "--", "/* */", "\x00", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := Dialect.AppendLiteral(nil, s)
		if strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s) {
			if err == nil {
				t.Fatalf("%q: want an error", s)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		lit := string(b)
		esc := strings.HasPrefix(lit, "E")
		lit = strings.TrimPrefix(lit, "E")
		if len(lit) < 2 || lit[0] != '\'' || lit[len(lit)-1] != '\'' {
			t.Fatalf("not quoted: %q", b)
		}
		body := lit[1 : len(lit)-1]
		var sb strings.Builder
		for i := 0; i < len(body); i++ {
			c := body[i]
			if c == '\'' || (esc && c == '\\') {
				if i+1 >= len(body) || body[i+1] != c {
					t.Fatalf("unescaped %q in %q", c, b)
				}
				i++
			}
			sb.WriteByte(c)
		}
		if sb.String() != s {
			t.Fatalf("round trip %q -> %q", s, sb.String())
		}
	})
}

func TestPlaceholders(t *testing.T) {
	if got := string(Dialect.AppendPlaceholder(nil, 12)); got != "$12" {
		t.Fatalf("got %q", got)
	}
}

// TestAppendParamCast: the cast follows the Go type, through pointers and
// named types; types whose SQL type is not known here get none.
func TestAppendParamCast(t *testing.T) {
	type myInt int16
	type myBool bool
	i := int64(1)
	var nilp *int64
	for _, tc := range []struct {
		name string
		v    any
		want string
	}{
		{"int", 1, "::bigint"},
		{"int64", int64(1), "::bigint"},
		{"uint8", uint8(1), "::bigint"},
		{"float32", float32(1), "::double precision"},
		{"float64", 1.5, "::double precision"},
		{"bool", true, "::boolean"},
		{"bytes", []byte("x"), "::bytea"},
		{"time", time.Now(), "::timestamptz"},
		{"pointer_to_int", &i, "::bigint"},
		{"named_int", myInt(2), "::bigint"},
		{"named_bool", myBool(true), "::boolean"},
		{"string", "s", ""},
		{"nil", nil, ""},
		{"nil_pointer", nilp, ""},
		{"valuer", sql.NullInt64{Int64: 1, Valid: true}, ""},
		{"pointer_to_valuer", &sql.NullInt64{}, ""},
		{"struct", struct{}{}, ""},
	} {
		if got := string(Dialect.AppendParamCast([]byte("$1"), tc.v)); got != "$1"+tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, "$1"+tc.want)
		}
	}
}
