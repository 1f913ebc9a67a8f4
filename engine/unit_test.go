package engine

import (
	"database/sql"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name   string
		dsn    string
		driver Driver
		check  func(t *testing.T, c *Config)
	}{
		{"postgres url with pool params", "postgres://app:pw@db.example:5433/shop?sslmode=disable&pool_max_conns=7&pool_min_conns=2&pool_max_conn_idle_time=90s", Postgres,
			func(t *testing.T, c *Config) {
				if c.MaxConns != 7 || c.MinConns != 2 || c.MaxConnIdleTime != 90*time.Second {
					t.Errorf("pool: %+v", c)
				}
				if c.Postgres.Host != "db.example" || c.Postgres.Port != 5433 || c.Postgres.Database != "shop" || c.Postgres.User != "app" {
					t.Errorf("pgx config: %+v", c.Postgres)
				}
				if _, ok := c.Postgres.RuntimeParams["pool_max_conns"]; ok {
					t.Error("pool parameter reached the server")
				}
			}},
		{"mysql url", "mysql://app:p%40ss@db:3307/shop?tls=false", MySQL,
			func(t *testing.T, c *Config) {
				if c.MySQL.User != "app" || c.MySQL.Passwd != "p@ss" || c.MySQL.Addr != "db:3307" || c.MySQL.DBName != "shop" || !c.MySQL.ParseTime {
					t.Errorf("mysql config: %+v", c.MySQL)
				}
			}},
		{"mysql default port", "mysql://app@db/shop", MySQL,
			func(t *testing.T, c *Config) {
				if c.MySQL.Addr != "db:3306" {
					t.Errorf("addr %q", c.MySQL.Addr)
				}
			}},
		{"mariadb scheme picks the dialect", "mariadb://app@db/shop", MySQL,
			func(t *testing.T, c *Config) {
				if c.Dialect == nil || c.Dialect.Name() != "mariadb" {
					t.Errorf("dialect %v", c.Dialect)
				}
			}},
		{"sqlite url", "sqlite:///tmp/x.db", SQLite,
			func(t *testing.T, c *Config) {
				if !strings.HasPrefix(c.SQLite, "/tmp/x.db?") || !strings.Contains(c.SQLite, "_busy_timeout=5000") || !strings.Contains(c.SQLite, "_journal_mode=WAL") {
					t.Errorf("sqlite dsn %q", c.SQLite)
				}
			}},
		{"sqlite memory is one connection", "sqlite::memory:", SQLite,
			func(t *testing.T, c *Config) {
				if c.MaxConns != 1 || strings.Contains(c.SQLite, "WAL") {
					t.Errorf("memory: %+v", c)
				}
			}},
		{"file uri", "file:app.db?cache=shared", SQLite, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseConfig(tt.dsn)
			if err != nil {
				t.Fatal(err)
			}
			if c.Driver != tt.driver {
				t.Fatalf("driver %q, want %q", c.Driver, tt.driver)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
	for _, bad := range []string{"oracle://x", "postgres://u:pw@h/db?pool_max_conns=-1", "mysql://u:pw@h/db?pool_max_conn_lifetime=soon", "sqlite://", "data/app.db", "/abs/app.db"} {
		if _, err := ParseConfig(bad); err == nil {
			t.Errorf("%q parsed", bad)
		} else if strings.Contains(err.Error(), ":pw@") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

// The scanner names untagged fields by the rule the mapper uses
// (internal/naming), or by the FieldNamer it is given.
func TestScanFieldNames(t *testing.T) {
	type row struct {
		ID          int64
		S3Key       string
		OAuth2Token string
		Tagged      string `db:"custom"`
		Skipped     string
	}
	ti, err := typeInfoFor(reflect.TypeFor[row]())
	if err != nil {
		t.Fatal(err)
	}
	for col, field := range map[string]string{"id": "ID", "s3_key": "S3Key", "o_auth2_token": "OAuth2Token", "custom": "Tagged", "skipped": "Skipped"} {
		if f, ok := ti.fields[col]; !ok || f.name != field {
			t.Errorf("default: column %q → %v (%v), want field %s", col, f.name, ok, field)
		}
	}
	n := upperNamer{}
	named, err := typeInfoNamed(reflect.TypeFor[*row](), n)
	if err != nil {
		t.Fatal(err)
	}
	if named.kind != targetPtrStruct {
		t.Fatalf("*row kind %v", named.kind)
	}
	want := map[string]string{"ID": "ID", "S3KEY": "S3Key", "OAUTH2TOKEN": "OAuth2Token", "custom": "Tagged"}
	if len(named.elem.fields) != len(want) {
		t.Errorf("named fields %v, want %v", named.elem.fields, want)
	}
	for col, field := range want {
		if f, ok := named.elem.fields[col]; !ok || f.name != field {
			t.Errorf("named: column %q → %v (%v), want field %s", col, f.name, ok, field)
		}
	}
	again, _ := typeInfoNamed(reflect.TypeFor[*row](), n)
	if again != named {
		t.Error("named type info rebuilt for the same namer")
	}
	if def, _ := typeInfoFor(reflect.TypeFor[row]()); def == named.elem {
		t.Error("named info shared with the default one")
	}
	if allocs := testing.AllocsPerRun(100, func() { _, _ = typeInfoNamed(reflect.TypeFor[*row](), n) }); allocs != 0 {
		t.Errorf("named type info lookup allocates %v times", allocs)
	}
}

// upperNamer upper-cases field names and leaves Skipped out.
type upperNamer struct{}

func (upperNamer) FieldColumn(f reflect.StructField) (string, bool) {
	return strings.ToUpper(f.Name), f.Name != "Skipped"
}

func TestConvertAssign(t *testing.T) {
	type status string
	var (
		s   string
		i   int
		i64 int64
		f   float64
		b   bool
		tm  time.Time
		ps  *string
		ns  sql.NullString
		st  status
		u8  uint8
		raw []byte
		a   any
	)
	src := []byte("42")
	tests := []struct {
		name string
		dest any
		src  any
		ok   func() bool
	}{
		{"bytes to string copies", &s, src, func() bool { return s == "42" }},
		{"text to int", &i, []byte("-7"), func() bool { return i == -7 }},
		{"int64", &i64, int64(9), func() bool { return i64 == 9 }},
		{"text to float", &f, []byte("1.5"), func() bool { return f == 1.5 }},
		{"int to bool", &b, int64(1), func() bool { return b }},
		{"sqlite time text", &tm, "2024-05-06 07:08:09.5+00:00", func() bool { return tm.Year() == 2024 && tm.Nanosecond() == 5e8 }},
		{"null to pointer", &ps, nil, func() bool { return ps == nil }},
		{"value to pointer", &ps, []byte("x"), func() bool { return ps != nil && *ps == "x" }},
		{"scanner", &ns, []byte("y"), func() bool { return ns.Valid && ns.String == "y" }},
		{"named string", &st, []byte("on"), func() bool { return st == "on" }},
		{"uint8", &u8, int64(200), func() bool { return u8 == 200 }},
		{"bytes copy", &raw, src, func() bool { return string(raw) == "42" && &raw[0] != &src[0] }},
		{"any copies bytes", &a, src, func() bool { b, ok := a.([]byte); return ok && &b[0] != &src[0] }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := convertAssign(tt.dest, tt.src); err != nil {
				t.Fatal(err)
			}
			if !tt.ok() {
				t.Fatalf("wrong value in %T", tt.dest)
			}
		})
	}
	if err := convertAssign(&s, nil); err == nil || !strings.Contains(err.Error(), "NULL") {
		t.Errorf("NULL into string: %v", err)
	}
	if err := convertAssign(&u8, int64(300)); err == nil {
		t.Error("overflow accepted")
	}
}

func TestScanPlanCachedPerColumns(t *testing.T) {
	type row struct {
		ID   int64
		Name string `db:"full_name"`
		Skip string `db:"-"`
	}
	ti, err := typeInfoFor(reflect.TypeFor[row]())
	if err != nil {
		t.Fatal(err)
	}
	cols := &fakeCols{"id", "full_name"} // a pointer, as *Rows is: no boxing
	p1, err := ti.plan(cols)
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := ti.plan(fakeCols{"id", "full_name"})
	if p1 != p2 {
		t.Error("plan rebuilt for the same columns")
	}
	if _, err := ti.plan(fakeCols{"id", "skip"}); err == nil || !strings.Contains(err.Error(), `"skip"`) {
		t.Errorf("unknown column: %v", err)
	}
	allocs := testing.AllocsPerRun(100, func() { _, _ = ti.plan(cols) })
	if allocs != 0 {
		t.Errorf("plan lookup allocates %v times", allocs)
	}
}

type fakeCols []string

func (f fakeCols) numCols() int         { return len(f) }
func (f fakeCols) colName(i int) string { return f[i] }
