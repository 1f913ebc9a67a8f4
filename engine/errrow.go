package engine

// ErrRow returns a Row whose Scan returns err. Layers above the engine (the
// router) use it to defer their own errors to Scan, as QueryRow does.
func ErrRow(err error) *Row { return &Row{err: err} }
