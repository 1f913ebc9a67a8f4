package sqlite

import (
	"fmt"
	"strconv"

	"github.com/athanor-orm/athanor/core"
)

// ColumnType names c's type in CREATE TABLE. Declared types are chosen for
// SQLite's affinity rules: every integer is INTEGER (so an autoincrement
// key is the rowid), UUID and JSON are TEXT (a name without TEXT would get
// NUMERIC affinity and turn '123' into a number), and date/time names are
// kept because the driver parses columns declared DATE/DATETIME/TIMESTAMP.
//
// NUMERIC/DECIMAL columns are declared TEXT: SQLite has no decimal type,
// and NUMERIC affinity would turn "12345678901234567890.0123456789" into
// a float and lose digits. Exact values win; the cost is that the column
// sorts and compares as text (CAST it to NUMERIC in a query for numeric
// order).
//
// An enum column is TEXT with a CHECK constraint listing its values.
func (dialect) ColumnType(c *core.Column) (string, error) {
	if c.Type.Array {
		return "", fmt.Errorf("sqlite: array columns are not supported")
	}
	switch c.Type.Kind {
	case core.TypeNumeric:
		return "TEXT", nil
	case core.TypeEnum:
		return enumType(c)
	}
	return ddlTypeName(c.Type)
}

// enumType is TEXT CHECK ("col" IN ('a', 'b')): SQLite has no enum type,
// and the column constraint rejects other values (NULL passes, as in any
// CHECK; NOT NULL is separate).
func enumType(c *core.Column) (string, error) {
	if c.Type.Enum == nil || len(c.Type.Enum.Values) == 0 {
		return "", fmt.Errorf("sqlite: enum without values")
	}
	d := dialect{}
	b, err := d.AppendIdent([]byte("TEXT CHECK ("), c.Name)
	if err != nil {
		return "", err
	}
	b = append(b, " IN ("...)
	for i, v := range c.Type.Enum.Values {
		if i > 0 {
			b = append(b, ", "...)
		}
		if b, err = d.AppendLiteral(b, v); err != nil {
			return "", err
		}
	}
	return string(append(b, "))"...)), nil
}

func ddlTypeName(t core.Type) (string, error) {
	switch t.Kind {
	case core.TypeSmallInt, core.TypeInt, core.TypeBigInt:
		return "INTEGER", nil
	case core.TypeFloat, core.TypeDouble:
		return "REAL", nil
	case core.TypeNumeric:
		if t.Precision > 0 {
			return "NUMERIC(" + strconv.Itoa(t.Precision) + "," + strconv.Itoa(t.Scale) + ")", nil
		}
		return "NUMERIC", nil
	case core.TypeBool:
		return "BOOLEAN", nil
	case core.TypeString:
		if t.Size > 0 {
			return "VARCHAR(" + strconv.Itoa(t.Size) + ")", nil
		}
		return "TEXT", nil
	case core.TypeText, core.TypeUUID, core.TypeJSON, core.TypeEnum:
		return "TEXT", nil
	case core.TypeBytes:
		return "BLOB", nil
	case core.TypeDate:
		return "DATE", nil
	case core.TypeTime:
		return "TIME", nil
	case core.TypeTimestamp, core.TypeTimestampTZ:
		return "TIMESTAMP", nil
	case core.TypeNative:
		if t.Native == "" {
			return "", fmt.Errorf("sqlite: native type without a name")
		}
		return t.Native, nil
	}
	return "", fmt.Errorf("sqlite: no type for %s", t.Kind)
}

// CastType names t in CAST(x AS t).
func (dialect) CastType(t core.Type) (string, error) {
	switch t.Kind {
	case core.TypeDate, core.TypeTime, core.TypeTimestamp, core.TypeTimestampTZ:
		return "TEXT", nil
	}
	return ddlTypeName(t)
}

// AutoIncrement declares the key inline: INTEGER PRIMARY KEY AUTOINCREMENT.
func (dialect) AutoIncrement(*core.Column) (string, bool, error) {
	return "PRIMARY KEY AUTOINCREMENT", true, nil
}
