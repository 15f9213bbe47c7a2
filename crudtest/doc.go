// Package crudtest runs test cases of crud rules in process: it loads a
// Caddy config as `caddy run` does, provisions its crud handler afresh
// for each case with an in-memory API behind it, sends the case's
// request, and compares what the client, the API and the webhook
// receivers got with what the case expects. Nothing listens on a port and
// nothing is sent.
//
// It backs the `caddy crud test` and `caddy crud explain` commands; Go
// tests of an embedding program can call it directly (Load, ReadCases or
// Parse, Run, WriteText). The crud module must be compiled in, e.g. by
// importing github.com/caddy-crud/caddy-crud.
package crudtest
