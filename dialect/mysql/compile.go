package mysql

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/athanor-orm/athanor/core"
)

var (
	// Dialect is the MySQL 8.0 dialect.
	Dialect = dialect{}
	// MariaDB is the MariaDB (10.6+) dialect.
	MariaDB = dialect{mariadb: true}
)

var _ core.Dialect = Dialect

// dialect implements core.Dialect for both servers. Its compiler hooks are
// in this file, its DDL type names in ddl.go.
type dialect struct{ mariadb bool }

// maxIdentLen is the longest identifier (table, column, alias is 256) in
// characters; longer names are refused rather than truncated or rejected
// by the server after the fact.
const maxIdentLen = 64

func (d dialect) Name() string {
	if d.mariadb {
		return "mariadb"
	}
	return "mysql"
}

// Features returns the dialect's fixed feature set, one per flavour, built
// once (see the postgres dialect's).
func (d dialect) Features() core.Features {
	if d.mariadb {
		return mariadbFeatures
	}
	return mysqlFeatures
}

var mysqlFeatures, mariadbFeatures = buildFeatures(false), buildFeatures(true)

func buildFeatures(mariadb bool) core.Features {
	f := core.Features{
		Upsert:             core.UpsertOnDuplicateKey,
		OffsetWithoutLimit: "18446744073709551615",
		Locking:            true, ShareLock: "FOR SHARE", SkipLocked: true, NoWait: true,
		SetOpAll: true, RightJoin: true,
		UpdateFrom: core.JoinMulti, DeleteUsing: core.JoinMulti,
		ConcatFunc:     true,
		EmptyValues:    true,
		DropForeignKey: "DROP FOREIGN KEY",
		MaxIdentLen:    maxIdentLen,
		MaxParams:      65535, // placeholders of a prepared statement
		Match:          core.MatchLikeBinary,
		DatePart:       core.DatePartMySQL,
		Comments:       core.CommentsInline,
	}
	// Functional key parts exist on MySQL 8.0.13 and later; MariaDB has
	// neither them nor partial indexes.
	f.ExpressionIndexes = !mariadb
	// LATERAL came in MySQL 8.0.14; MariaDB has none.
	f.Lateral = !mariadb
	// MySQL 8 accepts WITH before UPDATE and DELETE; MariaDB does not, so
	// the flag stays off for both rather than differ by statement.
	if mariadb {
		f.ReturningInsert, f.ReturningDelete = true, true
		f.ShareLock = "LOCK IN SHARE MODE"
		f.CreateIndexIfNotExists = true
		f.AlterIfExists = true
	}
	return f
}

func (dialect) AppendPlaceholder(b []byte, _ int) []byte { return append(b, '?') }

// AppendIdent backquotes name, doubling embedded backquotes. MySQL cannot
// represent NUL or characters outside the BMP in identifiers, and alters or
// rejects names with leading or trailing whitespace; those are errors.
func (d dialect) AppendIdent(b []byte, name string) ([]byte, error) {
	switch {
	case name == "":
		return b, fmt.Errorf("%s: empty identifier: %w", d.Name(), core.ErrInvalidIdentifier)
	case !utf8.ValidString(name):
		return b, fmt.Errorf("%s: identifier %q is not valid UTF-8: %w", d.Name(), name, core.ErrInvalidIdentifier)
	case utf8.RuneCountInString(name) > maxIdentLen:
		return b, fmt.Errorf("%s: identifier %q is longer than %d characters: %w", d.Name(), name, maxIdentLen, core.ErrInvalidIdentifier)
	case strings.TrimSpace(name) != name:
		// The server strips leading whitespace from aliases and rejects
		// names ending in whitespace.
		return b, fmt.Errorf("%s: identifier %q starts or ends with whitespace: %w", d.Name(), name, core.ErrInvalidIdentifier)
	}
	b = append(b, '`')
	for _, r := range name {
		switch {
		case r == 0:
			return b, fmt.Errorf("%s: identifier %q contains a NUL byte: %w", d.Name(), name, core.ErrInvalidIdentifier)
		case r > 0xFFFF:
			return b, fmt.Errorf("%s: identifier %q has a character outside the BMP: %w", d.Name(), name, core.ErrInvalidIdentifier)
		case r == '`':
			b = append(b, '`')
		}
		b = utf8.AppendRune(b, r)
	}
	return append(b, '`'), nil
}

// AppendLiteral writes a DDL literal. Strings holding a backslash, NUL or
// control character are written as _utf8mb4 X'…' so their meaning does not
// depend on NO_BACKSLASH_ESCAPES.
func (d dialect) AppendLiteral(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "NULL"...), nil
	case bool:
		if x {
			return append(b, "TRUE"...), nil
		}
		return append(b, "FALSE"...), nil
	case string:
		return d.compileAppendString(b, x)
	}
	return d.compileAppendNumber(b, v)
}

func (d dialect) compileAppendString(b []byte, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return b, fmt.Errorf("%s: string literal is not valid UTF-8", d.Name())
	}
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\\' || c < 0x20 || c == 0x7f {
			plain = false
			break
		}
	}
	if !plain {
		b = append(b, "_utf8mb4 X'"...)
		const hex = "0123456789ABCDEF"
		for i := 0; i < len(s); i++ {
			b = append(b, hex[s[i]>>4], hex[s[i]&15])
		}
		return append(b, '\''), nil
	}
	b = append(b, '\'')
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			b = append(b, '\'')
		}
		b = append(b, s[i])
	}
	return append(b, '\''), nil
}

func (d dialect) compileAppendNumber(b []byte, v any) ([]byte, error) {
	b, ok, err := core.AppendNumberLiteral(b, v, 0)
	switch {
	case err != nil:
		return b, fmt.Errorf("%s: %w", d.Name(), err)
	case !ok:
		return b, fmt.Errorf("%s: cannot write a %T as a SQL literal", d.Name(), v)
	}
	return b, nil
}
