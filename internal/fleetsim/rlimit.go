package fleetsim

import (
	"fmt"
	"syscall"
)

// fdsPerInstance is what one watched instance holds open in this
// process besides its share of a listener: its event stream and a
// pooled connection for polls and scrapes.
const fdsPerInstance = 2

// raiseFileLimit raises the soft RLIMIT_NOFILE to the hard limit, and
// fails when the fleet would not fit in it.
func raiseFileLimit(o Options) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("fleetsim: reading the open-file limit: %w", err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return fmt.Errorf("fleetsim: raising the open-file limit to %d: %w", lim.Max, err)
		}
	}
	need := uint64(o.N)*fdsPerInstance + uint64(o.N/o.PerListener) + 256
	if need > lim.Cur {
		return fmt.Errorf("fleetsim: %d instances need about %d open files and the limit is %d: raise the hard limit (ulimit -Hn) or share listeners more (PerListener)", o.N, need, lim.Cur)
	}
	return nil
}
