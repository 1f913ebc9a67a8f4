package mysql

import (
	"fmt"
	"strconv"

	"github.com/athanor-orm/athanor/core"
)

// ColumnType names c's type in CREATE TABLE. An unsized String is
// VARCHAR(255) so it can be indexed; use Text for long text. Both
// timestamp kinds are DATETIME(6): MySQL has no zone-aware type, and
// TIMESTAMP ends in 2038.
func (d dialect) ColumnType(c *core.Column) (string, error) {
	t := c.Type
	if t.Array {
		return "", fmt.Errorf("%s: array columns are not supported", d.Name())
	}
	switch t.Kind {
	case core.TypeSmallInt:
		return "SMALLINT", nil
	case core.TypeInt:
		return "INT", nil
	case core.TypeBigInt:
		return "BIGINT", nil
	case core.TypeFloat:
		return "FLOAT", nil
	case core.TypeDouble:
		return "DOUBLE", nil
	case core.TypeNumeric:
		return ddlDecimal(t), nil
	case core.TypeBool:
		return "BOOLEAN", nil
	case core.TypeString:
		size := t.Size
		if size <= 0 {
			size = 255
		}
		return "VARCHAR(" + strconv.Itoa(size) + ")", nil
	case core.TypeText:
		return "LONGTEXT", nil
	case core.TypeBytes:
		return "LONGBLOB", nil
	case core.TypeDate:
		return "DATE", nil
	case core.TypeTime:
		return "TIME(6)", nil
	case core.TypeTimestamp, core.TypeTimestampTZ:
		return "DATETIME(6)", nil
	case core.TypeUUID:
		return "CHAR(36)", nil
	case core.TypeJSON:
		return "JSON", nil
	case core.TypeEnum:
		return d.enumType(t)
	case core.TypeNative:
		return d.nativeType(t)
	}
	return "", fmt.Errorf("%s: no type for %s", d.Name(), t.Kind)
}

// enumType is ENUM('a', 'b'). In strict mode (the default) the server
// rejects a value outside the list (error 1265, data truncated).
func (d dialect) enumType(t core.Type) (string, error) {
	if t.Enum == nil || len(t.Enum.Values) == 0 {
		return "", fmt.Errorf("%s: enum without values", d.Name())
	}
	b := []byte("ENUM(")
	for i, v := range t.Enum.Values {
		if i > 0 {
			b = append(b, ", "...)
		}
		var err error
		if b, err = d.AppendLiteral(b, v); err != nil {
			return "", err
		}
	}
	return string(append(b, ')')), nil
}

func ddlDecimal(t core.Type) string {
	if t.Precision > 0 {
		return "DECIMAL(" + strconv.Itoa(t.Precision) + "," + strconv.Itoa(t.Scale) + ")"
	}
	return "DECIMAL(65,30)"
}

// CastType names t in CAST(x AS t), which accepts only a few type names.
func (d dialect) CastType(t core.Type) (string, error) {
	switch t.Kind {
	case core.TypeSmallInt, core.TypeInt, core.TypeBigInt, core.TypeBool:
		return "SIGNED", nil
	case core.TypeFloat, core.TypeDouble:
		return "DOUBLE", nil
	case core.TypeNumeric:
		return ddlDecimal(t), nil
	case core.TypeString, core.TypeText, core.TypeUUID, core.TypeEnum:
		if t.Size > 0 {
			return "CHAR(" + strconv.Itoa(t.Size) + ")", nil
		}
		return "CHAR", nil
	case core.TypeBytes:
		return "BINARY", nil
	case core.TypeDate:
		return "DATE", nil
	case core.TypeTime:
		return "TIME(6)", nil
	case core.TypeTimestamp, core.TypeTimestampTZ:
		return "DATETIME(6)", nil
	case core.TypeJSON:
		if d.mariadb {
			return "CHAR", nil
		}
		return "JSON", nil
	case core.TypeNative:
		return d.nativeType(t)
	}
	return "", fmt.Errorf("%s: cannot cast to %s", d.Name(), t.Kind)
}

// AutoIncrement is AUTO_INCREMENT; the primary key stays a table
// constraint.
func (dialect) AutoIncrement(*core.Column) (string, bool, error) {
	return "AUTO_INCREMENT", false, nil
}

// nativeType is a TypeNative's name, written as given.
func (d dialect) nativeType(t core.Type) (string, error) {
	if t.Native == "" {
		return "", fmt.Errorf("%s: native type without a name", d.Name())
	}
	return t.Native, nil
}
