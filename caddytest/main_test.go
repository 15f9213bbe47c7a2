package caddytest

import (
	"os"
	"testing"
	_ "time/tzdata" // the zones rules load (timezone(...)), on hosts without a zone database too
)

// TestMain gives the tests a data directory of their own: the embedded
// webhook store keeps its files under Caddy's data directory.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "crud-caddytest-data-")
	if err != nil {
		panic(err)
	}
	_ = os.Setenv("XDG_DATA_HOME", dir)
	code := m.Run()
	cleanupGatewayBinary()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}
