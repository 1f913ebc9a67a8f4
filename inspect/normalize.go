package inspect

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/athanor-orm/athanor/core"
)

// Normalize returns def as reflection on dialect d reports it, so that a
// definition from the models and a reflected one compare equal when the
// server holds what the models declare. Apply it to both sides. It:
//
//   - maps each column type to the type the server stores it as
//     (storedType);
//   - turns Column.Unique into a Unique named as the server names it
//     (PostgreSQL <table>_<column>_key; MariaDB the column name; SQLite
//     unnamed) and fills the default names core's DDL gives unnamed
//     indexes, uniques, foreign keys and checks (core.DefaultName);
//   - on MariaDB, makes a plain unique index a Unique (the server does
//     not tell them apart) and NO ACTION foreign-key actions RESTRICT
//     (what InnoDB reports; they behave alike);
//   - drops what the server does not keep: comments on SQLite, enum type
//     names outside PostgreSQL, client-side defaults (Column.Default);
//   - replaces every expression (server defaults, checks, index
//     expressions and WHERE) by its NormalizeSQL text;
//   - sorts uniques, indexes, foreign keys and checks by name.
//
// The result is for comparison (Compare); it need not be a valid TableDef.
func Normalize(d core.Dialect, def core.TableDef) (core.TableDef, error) {
	dn := d.Name()
	mysql := dn == "mysql" || dn == "mariadb"
	out := def
	out.Columns = slices.Clone(def.Columns)
	out.Uniques = slices.Clone(def.Uniques)
	out.Indexes = nil
	out.ForeignKeys = slices.Clone(def.ForeignKeys)
	out.Checks = slices.Clone(def.Checks)
	expr := func(what string, e core.Expr) (core.Expr, error) {
		if e == nil {
			return nil, nil
		}
		s, err := core.InlineSQL(d, e)
		if err != nil {
			return nil, fmt.Errorf("inspect: normalize table %q: %s: %w", def.Name, what, err)
		}
		return rawText(NormalizeSQL(dn, s)), nil
	}
	var err error
	for i := range out.Columns {
		c := &out.Columns[i]
		c.Type = storedType(dn, def.Name, c.Name, c.Type)
		c.Default = nil
		if dn == "sqlite" {
			c.Comment = ""
		}
		if c.ServerDefault, err = expr("column "+c.Name+" default", c.ServerDefault); err != nil {
			return out, err
		}
		if c.Unique {
			c.Unique = false
			name := ""
			switch {
			case dn == "postgres":
				name = pgObjectName(def.Name, c.Name, "key")
			case mysql:
				name = c.Name
			}
			out.Uniques = append(out.Uniques, core.Unique{Name: name, Columns: []string{c.Name}})
		}
	}
	if dn == "sqlite" {
		out.Comment = ""
	}
	for i := range out.Uniques {
		u := &out.Uniques[i]
		if u.Name == "" && i < len(def.Uniques) {
			u.Name = core.DefaultName(d, "uq", def.Name, u.Columns)
		}
	}
	for _, ix := range def.Indexes {
		if ix.Name == "" {
			ix.Name = core.DefaultName(d, "ix", def.Name, ix.Columns)
		}
		if mysql && ix.Unique && ix.Where == nil && len(ix.Expressions) == 0 {
			out.Uniques = append(out.Uniques, core.Unique{Name: ix.Name, Columns: ix.Columns})
			continue
		}
		exprs := ix.Expressions
		ix.Expressions = nil
		for j, e := range exprs {
			x, err := expr(fmt.Sprintf("index %q expression %d", ix.Name, j), e)
			if err != nil {
				return out, err
			}
			ix.Expressions = append(ix.Expressions, x)
		}
		if ix.Where, err = expr(fmt.Sprintf("index %q where", ix.Name), ix.Where); err != nil {
			return out, err
		}
		out.Indexes = append(out.Indexes, ix)
	}
	for i := range out.ForeignKeys {
		fk := &out.ForeignKeys[i]
		if fk.Name == "" {
			fk.Name = core.DefaultName(d, "fk", def.Name, fk.Columns)
		}
		if mysql {
			if fk.OnDelete == core.NoAction {
				fk.OnDelete = core.Restrict
			}
			if fk.OnUpdate == core.NoAction {
				fk.OnUpdate = core.Restrict
			}
		}
	}
	for i := range out.Checks {
		ck := &out.Checks[i]
		if ck.Name == "" {
			ck.Name = core.DefaultName(d, "ck", def.Name, []string{fmt.Sprint(i + 1)})
		}
		if ck.Expr, err = expr("check "+ck.Name, ck.Expr); err != nil {
			return out, err
		}
	}
	sortDef(&out)
	return out, nil
}

// storedType is the type a column of type t comes back as from the
// server of dialect dn.
func storedType(dn, table, col string, t core.Type) core.Type {
	if t.Kind == core.TypeEnum && t.Enum != nil {
		e := *t.Enum
		if dn != "postgres" {
			e.Name = "" // MySQL and SQLite enums are column types, unnamed
		}
		t.Enum = &e
	}
	switch dn {
	case "postgres":
		if t.Kind == core.TypeString && t.Size <= 0 {
			return core.Type{Kind: core.TypeText, Array: t.Array}
		}
	case "mysql", "mariadb":
		switch t.Kind {
		case core.TypeString:
			if t.Size <= 0 {
				t.Size = 255
			}
		case core.TypeNumeric:
			if t.Precision <= 0 {
				t.Precision, t.Scale = 65, 30
			}
		case core.TypeTimestampTZ:
			t.Kind = core.TypeTimestamp
		}
	case "sqlite":
		switch t.Kind {
		case core.TypeSmallInt, core.TypeInt:
			t.Kind = core.TypeBigInt
		case core.TypeFloat:
			t.Kind = core.TypeDouble
		case core.TypeNumeric, core.TypeUUID, core.TypeJSON:
			return core.Text() // see the sqlite dialect's ColumnType
		case core.TypeString:
			if t.Size <= 0 {
				return core.Text()
			}
		case core.TypeTimestampTZ:
			t.Kind = core.TypeTimestamp
		}
	}
	return t
}

// Compare normalizes want and got for dialect d (Normalize) and lists
// their differences, one line per attribute, each naming the table and
// the column, constraint or index. No lines means equal.
func Compare(d core.Dialect, want, got core.TableDef) ([]string, error) {
	w, err := Normalize(d, want)
	if err != nil {
		return nil, err
	}
	g, err := Normalize(d, got)
	if err != nil {
		return nil, err
	}
	var diffs []string
	add := func(format string, a ...any) {
		diffs = append(diffs, fmt.Sprintf("table %q: ", want.Name)+fmt.Sprintf(format, a...))
	}
	if w.Name != g.Name {
		add("name %q, got %q", w.Name, g.Name)
	}
	if w.Comment != g.Comment {
		add("comment %q, got %q", w.Comment, g.Comment)
	}
	for _, wc := range w.Columns {
		i := slices.IndexFunc(g.Columns, func(c core.Column) bool { return c.Name == wc.Name })
		if i < 0 {
			add("column %q missing", wc.Name)
			continue
		}
		gc := g.Columns[i]
		if a, b := typeString(wc.Type), typeString(gc.Type); a != b {
			add("column %q: type %s, got %s", wc.Name, a, b)
		}
		if wc.Nullable != gc.Nullable {
			add("column %q: nullable %v, got %v", wc.Name, wc.Nullable, gc.Nullable)
		}
		if wc.PrimaryKey != gc.PrimaryKey {
			add("column %q: primary key %v, got %v", wc.Name, wc.PrimaryKey, gc.PrimaryKey)
		}
		if wc.AutoIncrement != gc.AutoIncrement {
			add("column %q: autoincrement %v, got %v", wc.Name, wc.AutoIncrement, gc.AutoIncrement)
		}
		if a, b := exprString(wc.ServerDefault), exprString(gc.ServerDefault); a != b {
			add("column %q: server default %s, got %s", wc.Name, a, b)
		}
		if wc.Comment != gc.Comment {
			add("column %q: comment %q, got %q", wc.Name, wc.Comment, gc.Comment)
		}
	}
	for _, gc := range g.Columns {
		if !slices.ContainsFunc(w.Columns, func(c core.Column) bool { return c.Name == gc.Name }) {
			add("unexpected column %q", gc.Name)
		}
	}
	wn, gn := columnNames(w.Columns), columnNames(g.Columns)
	if !slices.Equal(wn, gn) && len(wn) == len(gn) {
		add("column order %v, got %v", wn, gn)
	}
	compareList(add, "unique", w.Uniques, g.Uniques, func(u core.Unique) string { return u.Name },
		func(u core.Unique) string { return fmt.Sprint(u.Columns) })
	compareList(add, "index", w.Indexes, g.Indexes, func(x core.Index) string { return x.Name }, indexString)
	compareList(add, "foreign key", w.ForeignKeys, g.ForeignKeys, func(f core.ForeignKey) string { return f.Name },
		func(f core.ForeignKey) string {
			return fmt.Sprintf("%v -> %s%v on delete %d on update %d", f.Columns, f.RefTable, f.RefColumns, f.OnDelete, f.OnUpdate)
		})
	compareList(add, "check", w.Checks, g.Checks, func(c core.Check) string { return c.Name },
		func(c core.Check) string { return exprString(c.Expr) })
	return diffs, nil
}

func columnNames(cs []core.Column) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

func compareList[T any](add func(string, ...any), what string, want, got []T, name, desc func(T) string) {
	for _, w := range want {
		i := slices.IndexFunc(got, func(g T) bool { return name(g) == name(w) })
		if i < 0 {
			add("%s %q (%s) missing", what, name(w), desc(w))
			continue
		}
		if a, b := desc(w), desc(got[i]); a != b {
			add("%s %q: %s, got %s", what, name(w), a, b)
		}
	}
	for _, g := range got {
		if !slices.ContainsFunc(want, func(w T) bool { return name(w) == name(g) }) {
			add("unexpected %s %q (%s)", what, name(g), desc(g))
		}
	}
}

func indexString(x core.Index) string {
	s := fmt.Sprintf("unique=%v columns=%v", x.Unique, x.Columns)
	if len(x.Expressions) > 0 {
		var es []string
		for _, e := range x.Expressions {
			es = append(es, exprString(e))
		}
		s += " expressions=[" + strings.Join(es, "; ") + "]"
	}
	if x.Where != nil {
		s += " where " + exprString(x.Where)
	}
	return s
}

func typeString(t core.Type) string {
	s := t.Kind.String()
	switch t.Kind {
	case core.TypeString:
		s += fmt.Sprintf("(%d)", t.Size)
	case core.TypeNumeric:
		s += fmt.Sprintf("(%d,%d)", t.Precision, t.Scale)
	case core.TypeNative:
		s += "(" + t.Native + ")"
	case core.TypeEnum:
		if t.Enum != nil {
			s += fmt.Sprintf("(%s %q)", t.Enum.Name, t.Enum.Values)
		}
	}
	if t.Array {
		s += "[]"
	}
	return s
}

// exprString is the text of a normalized expression (a Raw).
func exprString(e core.Expr) string {
	if e == nil {
		return "<none>"
	}
	s, err := core.InlineSQL(genericText{}, e)
	if err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return s
}

// genericText renders the Raw text of normalized expressions as is.
type genericText struct{}

func (genericText) Name() string                                   { return "text" }
func (genericText) Features() core.Features                        { return core.Features{} }
func (genericText) AppendPlaceholder(b []byte, _ int) []byte       { return append(b, '?') }
func (genericText) AppendIdent(b []byte, n string) ([]byte, error) { return append(b, n...), nil }
func (genericText) AppendLiteral(b []byte, v any) ([]byte, error) {
	return fmt.Appendf(b, "%v", v), nil
}
func (genericText) ColumnType(c *core.Column) (string, error)        { return c.Type.Kind.String(), nil }
func (genericText) CastType(t core.Type) (string, error)             { return t.Kind.String(), nil }
func (genericText) AutoIncrement(*core.Column) (string, bool, error) { return "", false, nil }

// NormalizeSQL rewrites an expression's text so that spellings a server
// gives back for what core wrote compare equal: identifiers unquoted
// (unquoted words lower-cased, as PostgreSQL folds them; on MariaDB and
// SQLite, where column names ignore case, quoted ones too), casts (::type)
// dropped, parentheses dropped except those of a call or an IN list,
// "!=" written "<>", a quoted number ('1.50') unquoted, now() and
// current_timestamp(), current_timestamp(6) written current_timestamp,
// one space between tokens; on MariaDB TRUE and FALSE are 1 and 0; on
// PostgreSQL x = ANY (ARRAY[…]) and x <> ALL (ARRAY[…]), as the server
// stores an IN list, are written x IN (…) and x NOT IN (…). It is a
// comparison key, not SQL to run: it may equate expressions that differ
// only in grouping.
func NormalizeSQL(dialect, s string) string {
	toks := tokenize(s)
	if dialect == "postgres" {
		toks = inLists(s, toks)
	}
	mysql := dialect == "mysql" || dialect == "mariadb"
	var out []string
	var keep []bool // per open parenthesis: written or not
	prevWord := func() string {
		if len(out) == 0 {
			return ""
		}
		return out[len(out)-1]
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t.kind {
		case tokOp:
			if t.text == "::" {
				i = skipCast(toks, i+1)
				continue
			}
			if t.text == "!=" {
				out = append(out, "<>")
				continue
			}
			out = append(out, t.text)
		case tokWord:
			w := strings.ToLower(t.text)
			if mysql && (w == "true" || w == "false") {
				w = map[string]string{"true": "1", "false": "0"}[w]
			}
			if w == "current_timestamp" || w == "current_date" || w == "current_time" || w == "localtimestamp" || w == "now" {
				// MariaDB writes current_timestamp() and, on DATETIME(6),
				// current_timestamp(6).
				if i+2 < len(toks) && toks[i+1].kind == tokLParen && toks[i+2].kind == tokRParen {
					i += 2
				} else if i+3 < len(toks) && toks[i+1].kind == tokLParen && toks[i+2].kind == tokNumber && toks[i+3].kind == tokRParen {
					i += 3
				}
				if w == "now" {
					w = "current_timestamp"
				}
			}
			out = append(out, w)
		case tokIdent:
			if dialect == "postgres" {
				out = append(out, t.text)
			} else {
				out = append(out, strings.ToLower(t.text)) // names are case-insensitive there
			}
		case tokString:
			if numeric.MatchString(t.text) {
				out = append(out, t.text) // the server stores '1.50' on a number column as 1.50
				continue
			}
			out = append(out, "'"+strings.ReplaceAll(t.text, "'", "''")+"'")
		case tokNumber:
			out = append(out, t.text)
		case tokComma:
			out = append(out, ",")
		case tokLParen:
			p := prevWord()
			k := i > 0 && (toks[i-1].kind == tokWord || toks[i-1].kind == tokIdent) && !isKeyword(p) || p == "in" || p == "any" || p == "array"
			keep = append(keep, k)
			if k {
				out = append(out, "(")
			}
		case tokRParen:
			if n := len(keep); n > 0 {
				if keep[n-1] {
					out = append(out, ")")
				}
				keep = keep[:n-1]
			}
		}
	}
	return strings.Join(out, " ")
}

// inLists rewrites PostgreSQL's form of an IN list, = ANY (ARRAY[…]) or
// <> ALL (ARRAY[…]), with optional parentheses and casts around the
// array (a varchar column gets ((ARRAY[…])::text[])), into IN (…) or
// NOT IN (…). The array is one [bracketed] token to the tokenizer: its
// text is tokenized again.
func inLists(src string, toks []token) []token {
	var out []token
	for i := 0; i < len(toks); i++ {
		if end, repl, ok := inList(src, toks, i); ok {
			out = append(out, repl...)
			i = end
			continue
		}
		out = append(out, toks[i])
	}
	return out
}

// inList matches the form at toks[i] and returns the index of its last
// token and the replacement.
func inList(src string, toks []token, i int) (int, []token, bool) {
	at := func(j int, kind tokKind) bool { return j < len(toks) && toks[j].kind == kind }
	if !at(i, tokOp) || i+2 >= len(toks) {
		return 0, nil, false
	}
	var repl []token
	switch {
	case toks[i].text == "=" && toks[i+1].isWord("any"):
		repl = []token{{kind: tokWord, text: "IN"}}
	case (toks[i].text == "<>" || toks[i].text == "!=") && toks[i+1].isWord("all"):
		repl = []token{{kind: tokWord, text: "NOT"}, {kind: tokWord, text: "IN"}}
	default:
		return 0, nil, false
	}
	j := i + 2
	if !at(j, tokLParen) {
		return 0, nil, false
	}
	j++
	extra := 0
	for at(j, tokLParen) {
		extra++
		j++
	}
	if !at(j, tokWord) || !toks[j].isWord("array") || !at(j+1, tokIdent) || src[toks[j+1].pos] != '[' {
		return 0, nil, false
	}
	inner := tokenize(toks[j+1].text)
	j += 2
	skipCasts := func() {
		for at(j, tokOp) && toks[j].text == "::" {
			j = skipCast(toks, j+1) + 1
		}
	}
	for ; extra > 0; extra-- {
		skipCasts()
		if !at(j, tokRParen) {
			return 0, nil, false
		}
		j++
	}
	skipCasts()
	if !at(j, tokRParen) {
		return 0, nil, false
	}
	repl = append(repl, token{kind: tokLParen, text: "("})
	repl = append(repl, inner...)
	repl = append(repl, token{kind: tokRParen, text: ")"})
	return j, repl, true
}

var numeric = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

func isKeyword(w string) bool {
	switch w {
	case "and", "or", "not", "when", "then", "else", "case", "where", "is", "null", "like", "between", "on":
		return true
	}
	return false
}

// skipCast returns the index of the last token of the type name starting
// at i (character varying(10)[], timestamp with time zone, "mood").
func skipCast(toks []token, i int) int {
	if i >= len(toks) {
		return i
	}
	j := i
	for j+1 < len(toks) && toks[j+1].kind == tokWord {
		switch strings.ToLower(toks[j+1].text) {
		case "varying", "precision", "with", "without", "time", "zone":
			j++
			continue
		}
		break
	}
	if j+1 < len(toks) && toks[j+1].kind == tokLParen {
		if m := matching(toks, j+1); m > 0 {
			j = m
		}
	}
	if j+1 < len(toks) && toks[j+1].kind == tokIdent && toks[j+1].text == "" { // "[]", read as an empty [identifier]
		j++
	}
	return j
}

// pgObjectName is the name PostgreSQL gives an implicit constraint,
// <table>_<column>_<label>, with the table and column parts shortened,
// the longer first, to fit its 63-byte limit (a collision with an
// existing name, which PostgreSQL resolves with a number, is not
// modelled).
func pgObjectName(table, col, label string) string {
	avail := 63 - len(label) - 2
	n1, n2 := len(table), len(col)
	for n1+n2 > avail {
		if n1 > n2 {
			n1--
		} else {
			n2--
		}
	}
	return clipUTF8(table, n1) + "_" + clipUTF8(col, n2) + "_" + label
}

// clipUTF8 cuts s to at most n bytes without splitting a character.
func clipUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
