package core

// RowValues are the values of several rows, read in place, one at a
// time: what a RowColumn takes its elements from. A multi-row INSERT's
// rows can then be bound from wherever they are held (a session binds
// them from its snapshots) without being copied into slices first.
type RowValues interface {
	// Len is the number of rows.
	Len() int
	// Width is the number of values in each row.
	Width() int
	// Value returns value col of row row.
	Value(row, col int) any
}

// ValueRows are rows held as slices of one width, as RowValues.
type ValueRows [][]any

// Len is the number of rows.
func (r ValueRows) Len() int { return len(r) }

// Width is the length of the first row (0 without rows).
func (r ValueRows) Width() int {
	if len(r) == 0 {
		return 0
	}
	return len(r[0])
}

// Value returns r[row][col].
func (r ValueRows) Value(row, col int) any { return r[row][col] }
