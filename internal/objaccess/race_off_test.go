//go:build !race

package objaccess

const raceEnabled = false
