// Package rules compiles and evaluates the statements of the crud handler's
// rule blocks. It knows JSON and expr-lang, never HTTP: the engine in
// intercept/ hands it bytes and an Input, and gets back what to do.
//
// A config's blocks are compiled once (CompileBlock), joined per action and
// phase into a Program (NewProgram), and run per request:
//
//   - RunBefore reads a request body (one record, or an array of them) and
//     returns a rejection, validation errors, or the rewritten body and the
//     header and query edits to send upstream;
//   - RunAfter filters a response body in one validating pass and returns
//     the filtered body, a rejection, and counts of what it removed;
//   - RunAsync decides which webhooks and log lines follow a response, and
//     builds each webhook's event, ready to deliver.
//
// Expressions are expr-lang programs whose member access is total: a read of
// a missing field is nil, never an error. Record fields are read straight
// from the JSON; a record is decoded only when an expression run by the VM
// reads it.
package rules
