package mysql

import (
	"encoding/hex"
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

func representable(name string) bool {
	if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxIdentLen || strings.TrimSpace(name) != name {
		return false
	}
	for _, r := range name {
		if r == 0 || r > 0xFFFF {
			return false
		}
	}
	return true
}

// FuzzAppendIdent checks backquoting round-trips exactly and that names
// MySQL would alter or reject are errors wrapping core.ErrInvalidIdentifier.
func FuzzAppendIdent(f *testing.F) {
	for _, s := range []string{"users", "--", "/* */", "$$", "$1", `\`, `"`, "'", "`", "``", "a\x00b", " lead", "trail ", "😀", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		for _, d := range []dialect{Dialect, MariaDB} {
			b, err := d.AppendIdent(nil, name)
			if !representable(name) {
				if !errors.Is(err, core.ErrInvalidIdentifier) {
					t.Fatalf("%q: want ErrInvalidIdentifier, got %v", name, err)
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := unquote(t, string(b), '`'); got != name {
				t.Fatalf("round trip %q -> %q", name, got)
			}
		}
	})
}

// FuzzAppendLiteral checks DDL string literals parse back to the input
// without relying on backslash escapes: either '…' with no backslash, or
// a hex literal.
func FuzzAppendLiteral(f *testing.F) {
	for _, s := range []string{"", "it's", `\`, `\'`, "''", "$$", "--", "/* */", "\x00", "\n", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := MariaDB.AppendLiteral(nil, s)
		if !utf8.ValidString(s) {
			if err == nil {
				t.Fatalf("%q: want an error", s)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		lit := string(b)
		var got string
		if h, ok := strings.CutPrefix(lit, "_utf8mb4 X'"); ok {
			raw, err := hex.DecodeString(strings.TrimSuffix(h, "'"))
			if err != nil {
				t.Fatalf("bad hex literal %q", lit)
			}
			got = string(raw)
		} else {
			if strings.ContainsAny(lit, "\\\x00") {
				t.Fatalf("quoted literal depends on backslash handling: %q", lit)
			}
			got = unquote(t, lit, '\'')
		}
		if got != s {
			t.Fatalf("round trip %q -> %q", s, got)
		}
	})
}
