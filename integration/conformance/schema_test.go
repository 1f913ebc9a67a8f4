package conformance

import (
	"strings"
	"unicode"

	"github.com/athanor-orm/athanor/core"
)

// Chinook's schema, written once in the PascalCase of the MySQL and SQLite
// scripts; the PostgreSQL script names the same things in snake_case.
type colSpec struct {
	name     string
	typ      core.Type
	nullable bool
}

type tableSpec struct {
	name string
	pk   []string
	cols []colSpec
}

var chinookSpec = []tableSpec{
	{"Artist", []string{"ArtistId"}, []colSpec{{"ArtistId", core.Int(), false}, {"Name", core.String(120), true}}},
	{"Album", []string{"AlbumId"}, []colSpec{{"AlbumId", core.Int(), false}, {"Title", core.String(160), false}, {"ArtistId", core.Int(), false}}},
	{"Genre", []string{"GenreId"}, []colSpec{{"GenreId", core.Int(), false}, {"Name", core.String(120), true}}},
	{"MediaType", []string{"MediaTypeId"}, []colSpec{{"MediaTypeId", core.Int(), false}, {"Name", core.String(120), true}}},
	{"Track", []string{"TrackId"}, []colSpec{
		{"TrackId", core.Int(), false}, {"Name", core.String(200), false}, {"AlbumId", core.Int(), true},
		{"MediaTypeId", core.Int(), false}, {"GenreId", core.Int(), true}, {"Composer", core.String(220), true},
		{"Milliseconds", core.Int(), false}, {"Bytes", core.Int(), true}, {"UnitPrice", core.Numeric(10, 2), false},
	}},
	{"Employee", []string{"EmployeeId"}, []colSpec{
		{"EmployeeId", core.Int(), false}, {"LastName", core.String(20), false}, {"FirstName", core.String(20), false},
		{"Title", core.String(30), true}, {"ReportsTo", core.Int(), true}, {"BirthDate", core.Timestamp(), true},
		{"HireDate", core.Timestamp(), true}, {"Address", core.String(70), true}, {"City", core.String(40), true},
		{"State", core.String(40), true}, {"Country", core.String(40), true}, {"PostalCode", core.String(10), true},
		{"Phone", core.String(24), true}, {"Fax", core.String(24), true}, {"Email", core.String(60), true},
	}},
	{"Customer", []string{"CustomerId"}, []colSpec{
		{"CustomerId", core.Int(), false}, {"FirstName", core.String(40), false}, {"LastName", core.String(20), false},
		{"Company", core.String(80), true}, {"Address", core.String(70), true}, {"City", core.String(40), true},
		{"State", core.String(40), true}, {"Country", core.String(40), true}, {"PostalCode", core.String(10), true},
		{"Phone", core.String(24), true}, {"Fax", core.String(24), true}, {"Email", core.String(60), false},
		{"SupportRepId", core.Int(), true},
	}},
	{"Invoice", []string{"InvoiceId"}, []colSpec{
		{"InvoiceId", core.Int(), false}, {"CustomerId", core.Int(), false}, {"InvoiceDate", core.Timestamp(), false},
		{"BillingAddress", core.String(70), true}, {"BillingCity", core.String(40), true}, {"BillingState", core.String(40), true},
		{"BillingCountry", core.String(40), true}, {"BillingPostalCode", core.String(10), true}, {"Total", core.Numeric(10, 2), false},
	}},
	{"InvoiceLine", []string{"InvoiceLineId"}, []colSpec{
		{"InvoiceLineId", core.Int(), false}, {"InvoiceId", core.Int(), false}, {"TrackId", core.Int(), false},
		{"UnitPrice", core.Numeric(10, 2), false}, {"Quantity", core.Int(), false},
	}},
	{"Playlist", []string{"PlaylistId"}, []colSpec{{"PlaylistId", core.Int(), false}, {"Name", core.String(120), true}}},
	{"PlaylistTrack", []string{"PlaylistId", "TrackId"}, []colSpec{{"PlaylistId", core.Int(), false}, {"TrackId", core.Int(), false}}},
}

// snake is the PostgreSQL script's naming: InvoiceLineId -> invoice_line_id.
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

func identity(s string) string { return s }

// tbl is a core.Table addressed by Chinook's PascalCase names whatever the
// dialect's naming.
type tbl struct {
	*core.Table
	n func(string) string
}

func (t tbl) C(name string) *core.Column { return t.Table.C(t.n(name)) }
func (t tbl) As(alias string) tbl        { return tbl{t.Table.As(alias), t.n} }

func buildTables(n func(string) string) map[string]tbl {
	out := map[string]tbl{}
	for _, s := range chinookSpec {
		def := core.TableDef{Name: n(s.name)}
		for _, c := range s.cols {
			pk := false
			for _, p := range s.pk {
				pk = pk || p == c.name
			}
			def.Columns = append(def.Columns, core.Column{Name: n(c.name), Type: c.typ, Nullable: c.nullable, PrimaryKey: pk})
		}
		out[s.name] = tbl{core.MustTable(def), n}
	}
	return out
}

// chinookNames are the identifiers the oracle SQL may write in PascalCase.
var chinookNames = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range chinookSpec {
		m[s.name] = true
		for _, c := range s.cols {
			m[c.name] = true
		}
	}
	return m
}()

// translate rewrites the Chinook identifiers of oracle SQL (written in
// PascalCase, unquoted) with n, leaving string literals and quoted
// identifiers alone.
func translate(sql string, n func(string) string) string {
	var b strings.Builder
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == '\'' || c == '"' || c == '`':
			j := i + 1
			for j < len(sql) && sql[j] != c {
				j++
			}
			b.WriteString(sql[i:min(j+1, len(sql))])
			i = j + 1
		case c == '_' || unicode.IsLetter(rune(c)):
			j := i
			for j < len(sql) && (sql[j] == '_' || unicode.IsLetter(rune(sql[j])) || unicode.IsDigit(rune(sql[j]))) {
				j++
			}
			w := sql[i:j]
			if chinookNames[w] {
				w = n(w)
			}
			b.WriteString(w)
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}
