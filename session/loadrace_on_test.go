//go:build race

package session_test

// raceEnabled reports a -race build, in which sync.Pool drops items at
// random: allocation counts are then not what they are in production.
const raceEnabled = true
