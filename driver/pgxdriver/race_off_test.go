//go:build !race

package pgxdriver_test

const raceEnabled = false
