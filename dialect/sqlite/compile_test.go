package sqlite

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/athanor-orm/athanor/core"
)

func unquote(t *testing.T, q string, quote byte) string {
	if len(q) < 2 || q[0] != quote || q[len(q)-1] != quote {
		t.Fatalf("not quoted with %c: %q", quote, q)
	}
	body := q[1 : len(q)-1]
	var sb strings.Builder
	for i := 0; i < len(body); i++ {
		if body[i] == quote {
			if i+1 >= len(body) || body[i+1] != quote {
				t.Fatalf("lone quote inside %q", q)
			}
			i++
		}
		sb.WriteByte(body[i])
	}
	return sb.String()
}

// FuzzAppendIdent checks quoting round-trips exactly and that NUL or bad
// UTF-8 is an error wrapping core.ErrInvalidIdentifier.
func FuzzAppendIdent(f *testing.F) {
	for _, s := range []string{"users", "--", "/* */", "$$", "$1", `\`, `"`, `""`, "'", "`", "[x]", "a\x00b", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		b, err := Dialect.AppendIdent(nil, name)
		if name == "" || strings.IndexByte(name, 0) >= 0 || !utf8.ValidString(name) {
			if !errors.Is(err, core.ErrInvalidIdentifier) {
				t.Fatalf("%q: want ErrInvalidIdentifier, got %v", name, err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := unquote(t, string(b), '"'); got != name {
			t.Fatalf("round trip %q -> %q", name, got)
		}
	})
}

// FuzzAppendLiteral checks DDL string literals parse back to the input.
func FuzzAppendLiteral(f *testing.F) {
	for _, s := range []string{"", "it's", `\`, "''", "$$", "--", "/* */", "\x00", "é"} {
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
		if got := unquote(t, string(b), '\''); got != s {
			t.Fatalf("round trip %q -> %q", s, got)
		}
	})
}

// TestAppendLiteralNumbers: integers of every Go type SQLite can hold are
// written exactly; an unsigned one past int64 is an error, not a float.
func TestAppendLiteralNumbers(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{int8(-8), "-8"},
		{uint(7), "7"},
		{uint64(1<<63 - 1), "9223372036854775807"},
		{2.5, "2.5"},
		{true, "1"},
	} {
		b, err := Dialect.AppendLiteral(nil, tc.v)
		if err != nil || string(b) != tc.want {
			t.Errorf("%T %v: got %q, %v; want %q", tc.v, tc.v, b, err, tc.want)
		}
	}
	if _, err := Dialect.AppendLiteral(nil, uint64(1<<63)); err == nil {
		t.Errorf("uint64 1<<63: want an error")
	}
}
