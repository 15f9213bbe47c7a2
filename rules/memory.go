package rules

import "github.com/expr-lang/expr/conf"

// Expr's VM counts what an evaluation builds against a memory budget and
// fails the evaluation that reaches it: the elements of every list map,
// filter, sortBy or a list literal builds, the ints of every range (a..b),
// the memory a built-in such as concat or sort reports, each counted when
// built. The compiled evaluation counts the same things in
// the same order and leaves the evaluation to the VM where the count
// reaches the budget, so that the VM fails it as written: a record with
// a million elements fails `map(record.items, #.qty)` whichever runs it.

// memoryBudget is expr's default, which the rules run with: the VM is
// given it too (runVM), so that the two count against one budget.
var memoryBudget = int(conf.DefaultMemoryBudget)

// grow counts n more units of memory the evaluation built; false when the
// count reaches the budget (the VM's error).
func (env *Env) grow(n int) bool {
	env.memory += n
	return env.memory < memoryBudget
}
