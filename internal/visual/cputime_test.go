//go:build unix

package visual

import (
	"syscall"
	"testing"
	"time"
)

// cpuTimer reports process CPU time per op next to ns/op: on a shared,
// oversubscribed machine wall time overstates the cost of a render.
type cpuTimer struct {
	b     *testing.B
	start time.Duration
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPUTimer(b *testing.B) cpuTimer { return cpuTimer{b: b, start: processCPU()} }

func (c cpuTimer) report() {
	if c.b.N > 0 {
		c.b.ReportMetric(float64(processCPU()-c.start)/float64(c.b.N), "cpu-ns/op")
	}
}
