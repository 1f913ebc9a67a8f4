package engine

import (
	"database/sql"
	"reflect"
	"strings"
	"testing"
	"time"
)

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

func (f fakeCols) NumColumns() int         { return len(f) }
func (f fakeCols) ColumnName(i int) string { return f[i] }

// A DSN of a driver family whose package was not imported names the
// package to import, whether parsed or opened from a Config.
func TestForgottenDriverImport(t *testing.T) {
	for _, tc := range []struct {
		d   Driver
		dsn string
		pkg string
	}{
		{Postgres, "postgres://u:pw@h/db", "driver/pgxdriver"},
		{MySQL, "mysql://u:pw@h/db", "driver/mysqldriver"},
		{SQLite, "sqlite:///tmp/x.db", "driver/sqlitedriver"},
	} {
		runtimesMu.Lock()
		saved := runtimes[tc.d]
		delete(runtimes, tc.d)
		runtimesMu.Unlock()
		_, err := ParseConfig(tc.dsn)
		_, oerr := OpenConfig(t.Context(), &Config{Driver: tc.d, MySQL: struct{}{}, SQLite: "x.db"})
		runtimesMu.Lock()
		if saved != nil {
			runtimes[tc.d] = saved
		}
		runtimesMu.Unlock()
		for _, e := range []error{err, oerr} {
			want := `forgotten import of "github.com/athanor-orm/athanor/` + tc.pkg + `"?`
			if e == nil || !strings.Contains(e.Error(), want) {
				t.Errorf("%s: error %v, want one containing %s", tc.d, e, want)
			}
			if e != nil && strings.Contains(e.Error(), ":pw@") {
				t.Errorf("error shows the password: %v", e)
			}
		}
	}
}
