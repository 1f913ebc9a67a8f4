//go:build race

package objaccess

// raceEnabled reports a -race build, whose allocation counts differ.
const raceEnabled = true
