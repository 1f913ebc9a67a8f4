//go:build race

package mapper

// raceEnabled reports a -race build, whose allocation counts differ.
const raceEnabled = true
