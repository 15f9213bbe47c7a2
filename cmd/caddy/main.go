// Command caddy is Caddy with its standard modules and the crud handler, so
// the example runs without xcaddy: go run ./cmd/caddy run --config Caddyfile.example
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddy-crud/caddy-crud"
	_ "github.com/caddy-crud/caddy-crud/cmd/caddy/demo"
	_ "github.com/caddyserver/caddy/v2/modules/standard"
)

func main() {
	caddycmd.Main()
}
