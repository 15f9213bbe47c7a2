package rules

import (
	"sync"

	"github.com/expr-lang/expr/vm"
)

// The pools below keep what a phase needs from one run to the next. What
// an unusually large body grew goes to the collector instead, so that the
// pools do not keep large buffers alive. Whatever goes back holds no
// reference to the body it served.

// maxPooledRewrite is the largest capacity, in bytes, a before-phase
// rewrite buffer may have to go back to its pool: 1 MiB.
const maxPooledRewrite = 1 << 20

// maxPooledMembers is the most scanned members (of a record and the
// objects nested in it) whose storage may go back to its pool: 4096.
const maxPooledMembers = 1 << 12

// vmPool holds the machines that run expressions.
var vmPool = sync.Pool{New: func() any { return new(vm.VM) }}

// afterRuns holds after-phase runs with their storage (see afterStorage).
var afterRuns = sync.Pool{New: func() any { return &afterRun{storage: new(afterStorage)} }}

// beforeRuns holds before-phase runs with their buffers (see scratch).
var beforeRuns = sync.Pool{New: func() any { return &beforeRun{scratch: new(scratch)} }}

// memberPool holds the scratch members of the request fast check.
var memberPool = sync.Pool{New: func() any { return new([]member) }}
