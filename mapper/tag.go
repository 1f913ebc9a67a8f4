package mapper

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/athanor-orm/athanor/core"
)

// TagName is the struct tag key the mapper reads.
const TagName = "athanor"

// Errors wrapped by registration and lookup errors; match with errors.Is.
var (
	// ErrBadTag: a struct tag has an unknown option or a bad value.
	ErrBadTag = errors.New("bad tag")
	// ErrUnknownColumn: a name does not match any mapped field or column.
	ErrUnknownColumn = errors.New("unknown column")
	// ErrBadRelation: a relationship cannot be resolved (no foreign key,
	// wrong backref, unsupported cascade).
	ErrBadRelation = errors.New("broken relationship")
	// ErrUnsupportedType: a field's Go type has no column type.
	ErrUnsupportedType = errors.New("unsupported field type")
)

// tag is a parsed `athanor:"…"` tag: a leading name and options.
type tag struct {
	raw   string
	name  string
	skip  bool
	flags map[string]bool
	vals  map[string]string
	order []string // option keys in order, for errors
}

func parseTag(raw string) tag {
	t := tag{raw: raw, flags: map[string]bool{}, vals: map[string]string{}}
	if raw == "-" {
		t.skip = true
		return t
	}
	parts := splitTag(raw)
	t.name = strings.TrimSpace(parts[0])
	for _, p := range parts[1:] {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		k, v, hasVal := strings.Cut(p, ":")
		k = strings.ToLower(strings.TrimSpace(k))
		if hasVal {
			t.vals[k] = strings.TrimSpace(v)
		} else {
			t.flags[k] = true
		}
		t.order = append(t.order, k)
	}
	return t
}

func (t tag) has(k string) bool { _, ok := t.vals[k]; return ok || t.flags[k] }

// column options: flags and valued options a column field accepts.
var (
	columnFlags = map[string]bool{"pk": true, "autoincrement": true, "noautoincrement": true, "nullable": true,
		"notnull": true, "unique": true, "index": true, "version": true, "deferred": true, "discriminator": true, "shardkey": true}
	columnVals = map[string]bool{"size": true, "type": true, "default": true, "unique": true, "index": true,
		"fk": true, "ondelete": true, "onupdate": true, "precision": true, "scale": true, "enumname": true,
		"renamed_from": true, "deferred": true, "discriminator": true}
	relationFlags = map[string]bool{}
	relationVals  = map[string]bool{"rel": true, "fk": true, "backref": true, "cascade": true, "secondary": true,
		"joincol": true, "inversecol": true, "ondelete": true}
	tableVals = map[string]bool{"table": true, "bind": true, "schema": true}
)

// check returns the first option not in the allowed sets.
func (t tag) check(flags, vals map[string]bool) (string, bool) {
	for _, k := range t.order {
		if t.flags[k] && !flags[k] {
			return k, false
		}
		if _, ok := t.vals[k]; ok && !vals[k] {
			return k, false
		}
	}
	return "", true
}

func parseAction(s string) (core.FKAction, bool) {
	switch strings.ToLower(strings.ReplaceAll(s, " ", "")) {
	case "", "noaction":
		return core.NoAction, true
	case "restrict":
		return core.Restrict, true
	case "cascade":
		return core.Cascade, true
	case "setnull":
		return core.SetNull, true
	case "setdefault":
		return core.SetDefault, true
	}
	return 0, false
}

func parseCascade(s string) (Cascade, bool) {
	var c Cascade
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == '+' || r == '|' || r == ' ' }) {
		switch strings.ToLower(p) {
		case "none":
		case "save-update":
			c |= CascadeSaveUpdate
		case "delete":
			c |= CascadeDelete
		case "delete-orphan":
			c |= CascadeDeleteOrphan
		case "all":
			c |= CascadeSaveUpdate | CascadeDelete
		default:
			return 0, false
		}
	}
	return c, true
}

func parseTypeName(s string, size int) (core.Type, bool) {
	switch strings.ToLower(s) {
	case "smallint":
		return core.SmallInt(), true
	case "int", "integer":
		return core.Int(), true
	case "bigint":
		return core.BigInt(), true
	case "float", "real":
		return core.Float(), true
	case "double":
		return core.Double(), true
	case "numeric", "decimal":
		return core.Numeric(18, 4), true
	case "bool", "boolean":
		return core.Bool(), true
	case "string", "varchar":
		if size <= 0 {
			size = 255
		}
		return core.String(size), true
	case "text":
		return core.Text(), true
	case "bytes", "blob", "bytea":
		return core.Bytes(), true
	case "date":
		return core.Date(), true
	case "time":
		return core.Time(), true
	case "timestamp":
		return core.Timestamp(), true
	case "timestamptz":
		return core.TimestampTZ(), true
	case "uuid":
		return core.UUID(), true
	case "json":
		return core.JSON(), true
	}
	return core.Type{}, false
}

// parseDefault turns a `default:` value into a server default: now or
// current_timestamp, an integer, a float, true/false, or a string
// (optionally single-quoted).
func parseDefault(s string) core.Expr {
	switch strings.ToLower(s) {
	case "now", "now()", "current_timestamp":
		return core.Raw("CURRENT_TIMESTAMP")
	case "true":
		return core.Literal(true)
	case "false":
		return core.Literal(false)
	case "null":
		return core.Null
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return core.Literal(n)
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return core.Literal(f)
	}
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		s = s[1 : len(s)-1]
	}
	return core.Literal(s)
}

// fieldError builds a registration error naming struct, field and tag.
func fieldError(model, field, rawTag string, kind error, format string, a ...any) error {
	return fmt.Errorf("mapper: model %s: field %s (tag %q): %s: %w", model, field, rawTag, fmt.Sprintf(format, a...), kind)
}
