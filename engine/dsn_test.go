package engine_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
)

// hostilePasswords hold the characters that end a URL's user information
// early ('?', '#', '/', '@'), separators, percent signs that are and are not
// valid escapes, quotes, backslashes, spaces and non-ASCII text.
var hostilePasswords = []string{
	"p?a#s/s@w:o%rd",
	"sec?ret-one",
	"sec#ret-two",
	"sec/ret-three",
	"sec@ret-four",
	"123/abc@evil",
	"correct horse battery staple",
	"p%41ss%zz-w0rd",
	"it's a \\ back'slash",
	"pässwörd-ünïcode-密码",
	"::colons::",
	"trailing-percent%",
}

// encodeUserinfo percent-encodes everything but RFC 3986 unreserved
// characters, the form libpq and the engine decode.
func encodeUserinfo(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// quoteKV quotes a libpq keyword/value value.
func quoteKV(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// secretPieces returns the password and its runs between URL delimiters
// that are long enough to identify it: none may appear in any output.
func secretPieces(pw string) []string {
	out := []string{pw}
	for _, f := range strings.FieldsFunc(pw, func(r rune) bool { return strings.ContainsRune("?#/@: %'\\", r) }) {
		if len(f) >= 4 {
			out = append(out, f)
		}
	}
	return out
}

func assertNoSecret(t *testing.T, what, text, pw string) {
	t.Helper()
	for _, p := range secretPieces(pw) {
		if strings.Contains(text, p) {
			t.Errorf("%s shows %q of the password: %s", what, p, text)
		}
	}
}

// Bug 6: no parse error, String, or open error holds the password,
// however it is written; a percent-encoded or quoted password is read
// back exactly.
func TestDSNHostilePasswords(t *testing.T) {
	for _, pw := range hostilePasswords {
		enc := encodeUserinfo(pw)
		forms := []struct {
			name, dsn string
			exact     bool // must parse, with exactly pw as the password
		}{
			{"postgres raw", "postgres://app:" + pw + "@127.0.0.1:1/db?connect_timeout=1", false},
			{"postgres encoded", "postgres://app:" + enc + "@127.0.0.1:1/db?connect_timeout=1&sslmode=disable", true},
			{"postgresql encoded with pool", "postgresql://app:" + enc + "@127.0.0.1:1/db?pool_max_conns=3&connect_timeout=1", true},
			{"keyword/value quoted", "host=127.0.0.1 port=1 user=app password=" + quoteKV(pw) + " dbname=db connect_timeout=1", true},
			{"keyword/value raw", "host=127.0.0.1 port=1 user=app password=" + pw + " dbname=db connect_timeout=1", false},
			{"mysql raw", "mysql://app:" + pw + "@127.0.0.1:1/db?timeout=1s", false},
			{"mysql encoded", "mysql://app:" + enc + "@127.0.0.1:1/db?timeout=1s", true},
			{"mariadb encoded", "mariadb://app:" + enc + "@127.0.0.1:1/db?timeout=1s&pool_max_conns=2", true},
		}
		for _, f := range forms {
			t.Run(f.name+"/"+enc, func(t *testing.T) {
				cfg, err := engine.ParseConfig(f.dsn)
				if err != nil {
					if f.exact {
						t.Fatalf("parse: %v", err)
					}
					assertNoSecret(t, "parse error", err.Error(), pw)
					return
				}
				if f.exact {
					got := ""
					switch cfg.Driver {
					case engine.Postgres:
						got = cfg.Postgres.(*pgx.ConnConfig).Password
					case engine.MySQL:
						got = cfg.MySQL.(*mysql.Config).Passwd
					}
					if got != pw {
						t.Errorf("password %q, want %q", got, pw)
					}
				}
				assertNoSecret(t, "String", fmt.Sprintf("%s %v %+v", cfg, cfg, cfg), pw)
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				defer cancel()
				if _, err := engine.OpenConfig(ctx, cfg); err == nil {
					t.Error("open of port 1 succeeded")
				} else {
					assertNoSecret(t, "open error", err.Error(), pw)
				}
			})
		}
	}
}

// The parse errors say what is wrong.
func TestDSNErrorsNameTheFault(t *testing.T) {
	const pw = "p?a#s/s@w:o%rd"
	for _, tt := range []struct{ dsn, want string }{
		{"mysql://app:" + pw + "@127.0.0.1/db", "invalid port"},
		{"mysql://app:secretpw@127.0.0.1:99999/db", "invalid port"},
		{"mysql://app:123/abcsecret@127.0.0.1/db", "'@' in the host or database name"},
		{"postgres://app:123/abcsecret@127.0.0.1/db", "'@' in the host or database name"},
		{"postgres://app:secretpw@127.0.0.1:99999/db", "invalid port"},
		{"postgres://app:" + pw + "@127.0.0.1/db", "invalid port"},
		{"postgres://app@h1:5432,h2:secret/db", "invalid port"},
		{"host=127.0.0.1 password=my secret dbname=x", `missing "=" after`},
		{"mysql://app:sec%zzret@127.0.0.1/db", "percent-encoding in the password"},
		{"host=127.0.0.1 password='unterminated secret", "unterminated quoted string"},
		{"postgres://app:sec@retpw@127.0.0.1/db", "'@' in the host or database name"},
		{"mysql://app:sec@retpw@127.0.0.1/db", "'@' in the host or database name"},
		{"app:secretpw@tcp(127.0.0.1:3306)/db", "no scheme"},
	} {
		_, err := engine.ParseConfig(tt.dsn)
		if err == nil {
			t.Errorf("%q parsed", tt.dsn)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %q does not say %q", tt.dsn, err, tt.want)
		}
		for _, s := range []string{"secret", "o%rd", "s@w", "abc"} {
			if strings.Contains(err.Error(), s) {
				t.Errorf("%q: error shows %q: %v", tt.dsn, s, err)
			}
		}
	}
}

// Bug 7: a keyword/value DSN is PostgreSQL; a DSN with no scheme is an
// error, never a SQLite file named after it.
func TestDSNForms(t *testing.T) {
	cfg, err := engine.ParseConfig("host=127.0.0.1 port=5432 user=postgres password=secret dbname=test pool_max_conns=3")
	if err != nil {
		t.Fatal(err)
	}
	pc, _ := cfg.Postgres.(*pgx.ConnConfig)
	if cfg.Driver != engine.Postgres || pc == nil || pc.Host != "127.0.0.1" || pc.Database != "test" || pc.Password != "secret" || cfg.MaxConns != 3 {
		t.Fatalf("keyword/value config: %s %+v", cfg, cfg.Postgres)
	}
	if _, ok := pc.RuntimeParams["pool_max_conns"]; ok {
		t.Error("pool parameter reached the server")
	}
	if s := cfg.String(); strings.Contains(s, "secret") || s != "postgres://postgres@127.0.0.1:5432/test" {
		t.Errorf("String() = %q", s)
	}
	dir := t.TempDir()
	for _, dsn := range []string{
		dir + "/app.db", "app.db", "data/app.db", "./app.db",
		"Host=127.0.0.1 password=secret", "user:secret@tcp(127.0.0.1:3306)/db",
	} {
		if cfg, err := engine.ParseConfig(dsn); err == nil {
			t.Errorf("%q parsed as %s", dsn, cfg)
		} else if !strings.Contains(err.Error(), "no scheme") || strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "app.db") {
			t.Errorf("%q: %v", dsn, err)
		}
	}
	for _, dsn := range []string{"sqlite://" + dir + "/a.db", "SQLite://" + dir + "/e.db", "sqlite:" + dir + "/b.db", "sqlite3://" + dir + "/c.db", "file:" + dir + "/d.db?cache=shared", ":memory:", "sqlite::memory:"} {
		cfg, err := engine.ParseConfig(dsn)
		if err != nil || cfg.Driver != engine.SQLite {
			t.Errorf("%q: %v %v", dsn, cfg, err)
			continue
		}
		db, err := engine.OpenConfig(context.Background(), cfg)
		if err != nil {
			t.Errorf("open %q: %v", dsn, err)
			continue
		}
		if _, err := db.Exec(context.Background(), core.Raw("CREATE TABLE t (x INTEGER)")); err != nil {
			t.Errorf("%q: %v", dsn, err)
		}
		db.Close()
	}
}

// A hostile password, percent-encoded (or quoted in keyword/value form),
// connects. PostgreSQL trusts 127.0.0.1, so there the role and the parse
// are what is checked; MariaDB checks the password, and a wrong one fails.
func TestDSNHostilePasswordConnects(t *testing.T) {
	ctx := context.Background()
	t.Run("postgres", func(t *testing.T) {
		c := testdb.PG(t)
		admin := openDSN(t, c.Primary.URL())
		for i, pw := range hostilePasswords {
			role := fmt.Sprintf("athanor_pw_%d_%s", i, strings.TrimPrefix(c.Primary.Database, "athanor_t_"))
			if _, err := admin.Exec(ctx, core.Raw(`CREATE ROLE "`+role+`" LOGIN PASSWORD '`+strings.NewReplacer("'", "''", "?", "??").Replace(pw)+`'`)); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _, _ = admin.Exec(ctx, core.Raw(`DROP ROLE IF EXISTS "`+role+`"`)) })
			e := c.Primary
			for _, dsn := range []string{
				fmt.Sprintf("postgres://%s:%s@%s:%s/%s?sslmode=disable", role, encodeUserinfo(pw), e.Host, e.Port, e.Database),
				fmt.Sprintf("host=%s port=%s user=%s password=%s dbname=%s sslmode=disable", e.Host, e.Port, role, quoteKV(pw), e.Database),
			} {
				checkConnectsAs(t, dsn, "SELECT current_user", role, pw)
			}
		}
	})
	t.Run("mariadb", func(t *testing.T) {
		c := testdb.MySQL(t)
		admin := openDSN(t, c.Primary.URL())
		e := c.Primary
		for i, pw := range hostilePasswords {
			user := fmt.Sprintf("athanor_pw_%d_%s", i, strings.TrimPrefix(e.Database, "athanor_t_"))
			lit := "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`, "?", "??").Replace(pw) + "'"
			if _, err := admin.Exec(ctx, core.Raw("CREATE USER '"+user+"'@'"+e.Host+"' IDENTIFIED BY "+lit)); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _, _ = admin.Exec(ctx, core.Raw("DROP USER IF EXISTS '"+user+"'@'"+e.Host+"'")) })
			dsn := fmt.Sprintf("mysql://%s:%s@%s:%s/", user, encodeUserinfo(pw), e.Host, e.Port)
			checkConnectsAs(t, dsn, "SELECT SUBSTRING_INDEX(CURRENT_USER(), '@', 1)", user, pw)
			wrong := fmt.Sprintf("mysql://%s:%s@%s:%s/", user, encodeUserinfo(pw+"x"), e.Host, e.Port)
			if db, err := engine.Open(ctx, wrong); err == nil {
				db.Close()
				t.Errorf("%s connected with a wrong password", user)
			} else {
				assertNoSecret(t, "open error", err.Error(), pw)
			}
		}
	})
}

func openDSN(t *testing.T, dsn string) *engine.DB {
	t.Helper()
	db, err := engine.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func checkConnectsAs(t *testing.T, dsn, query, user, pw string) {
	t.Helper()
	db, err := engine.Open(context.Background(), dsn)
	if err != nil {
		assertNoSecret(t, "open error", err.Error(), pw)
		t.Errorf("%s with password %q: %v", user, pw, err)
		return
	}
	defer db.Close()
	assertNoSecret(t, "DB.String", db.String(), pw)
	var got string
	if err := db.QueryRow(context.Background(), core.Raw(query).ReadOnly()).Scan(&got); err != nil || got != user {
		t.Errorf("connected as %q (%v), want %q", got, err, user)
	}
	_ = url.PathEscape // the encoder above is the one under test, not net/url's
}
