package caddytest

import (
	"os"
	"strconv"

	"github.com/caddyserver/caddy/v2/caddytest"
)

// The ports of a test run. CRUD_TEST_PORT_OFFSET (a small number, default 0)
// moves them all, so that several checkouts can run these tests at once on
// one machine.
var (
	portOffset, _ = strconv.Atoi(os.Getenv("CRUD_TEST_PORT_OFFSET"))
	adminAddr     = "localhost:" + strconv.Itoa(2999+portOffset)
	httpsPort     = strconv.Itoa(9443 + portOffset)
)

func init() {
	caddytest.Default.AdminPort = 2999 + portOffset
	gatewayPort = 19080 + 1000*portOffset
}
