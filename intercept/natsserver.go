package intercept

import (
	"fmt"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/nats-io/nats-server/v2/server"
)

// embeddedServers holds the embedded JetStream servers by storage
// directory. A config reload provisions the new handler before it cleans
// up the old one, so the count never falls to zero and the server, with
// its stored events, runs on across the reload.
var embeddedServers = caddy.NewUsagePool()

// embeddedServer is an in-process NATS server with JetStream on file
// storage and no network listener: only this process connects to it.
type embeddedServer struct {
	ns *server.Server
}

// Destruct stops the server once no handler uses it.
func (e *embeddedServer) Destruct() error {
	e.ns.Shutdown()
	e.ns.WaitForShutdown()
	return nil
}

// useEmbeddedServer returns the running server storing in dir, starting it
// if need be; releaseEmbeddedServer gives it back.
func useEmbeddedServer(dir string) (*server.Server, error) {
	v, _, err := embeddedServers.LoadOrNew(dir, func() (caddy.Destructor, error) {
		ns, err := server.NewServer(&server.Options{
			ServerName: "caddy-crud",
			DontListen: true,
			JetStream:  true,
			StoreDir:   dir,
			NoSigs:     true,
			NoLog:      true,
		})
		if err != nil {
			return nil, fmt.Errorf("embedded nats: %w", err)
		}
		ns.Start()
		if !ns.ReadyForConnections(10 * time.Second) {
			ns.Shutdown()
			return nil, fmt.Errorf("embedded nats with storage in %s did not start", dir)
		}
		return &embeddedServer{ns: ns}, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*embeddedServer).ns, nil
}

func releaseEmbeddedServer(dir string) {
	_, _ = embeddedServers.Delete(dir)
}
