//go:build linux

package bench

import (
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// clockProcessCPUTimeID is Linux's CLOCK_PROCESS_CPUTIME_ID.
const clockProcessCPUTimeID = 2

// pairCPU is the process's CPU time to the nanosecond (getrusage's is
// to the microsecond, coarse against one operation's few tens of them).
// The vDSO does not serve this clock: each read is a system call.
func pairCPU() time.Duration {
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockProcessCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		c, _ := processCPU()
		return c
	}
	return time.Duration(ts.Nano())
}

// TestPairCPU checks that pairCPU counts this process's work to better
// than getrusage's microsecond.
func TestPairCPU(t *testing.T) {
	c0 := pairCPU()
	sub := false
	x := 0
	for pairCPU()-c0 < 20*time.Millisecond {
		for i := range 1000 {
			x += i
		}
		if pairCPU()%time.Microsecond != 0 {
			sub = true
		}
	}
	if !sub {
		t.Errorf("pairCPU read whole microseconds only (x=%d)", x)
	}
}
