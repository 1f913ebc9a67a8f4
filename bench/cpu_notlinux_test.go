//go:build !linux

package bench

import "time"

// pairCPU is processCPU here (zero where that is not measured).
func pairCPU() time.Duration {
	c, _ := processCPU()
	return c
}
