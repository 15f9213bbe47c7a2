package caddytest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"
	"github.com/nats-io/nats-server/v2/server"

	"github.com/caddy-crud/caddy-crud/internal/benchdata"
)

// BenchmarkWebhookStore measures a create whose async rule sends one
// webhook, through a real Caddy at one connection, with each store:
// memory (the in-process queue), embedded (JetStream in process, file
// storage) and external (a NATS server on loopback, run by this process).
// It reports the latency percentiles and the process's CPU time per
// create, which includes the receiver, the upstream and the NATS server.
func BenchmarkWebhookStore(b *testing.B) {
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	b.Cleanup(receiver.Close)
	up := newBenchUpstream(b, nil)
	create := benchdata.Create(1024)

	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true,
		StoreDir: b.TempDir(), NoSigs: true, NoLog: true})
	if err != nil {
		b.Fatal(err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		b.Fatal("nats did not start")
	}
	b.Cleanup(ns.Shutdown)

	for _, c := range []struct{ name, opts string }{
		{"memory", "store memory"},
		{"embedded", ""},
		{"external", "nats " + ns.ClientURL()},
	} {
		b.Run(c.name, func(b *testing.B) {
			tester := caddytest.NewTester(b)
			nextGatewayPort()
			tester.InitServer(fmt.Sprintf(`{
	admin `+adminAddr+`
	http_port %[1]d
	https_port `+httpsPort+`
	grace_period 1ns
	skip_install_trust
}
:%[1]d {
	crud {
		webhooks {
			%[2]s
		}
		resource users /users {
			async create {
				webhook %[3]s/hook {
					secret `+specSecret+`
				}
			}
		}
	}
	reverse_proxy %[4]s
}
`, gatewayPort, c.opts, receiver.URL, up.Listener.Addr().String()), "caddyfile")
			tr := &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}
			b.Cleanup(tr.CloseIdleConnections)
			client := &http.Client{Transport: tr}
			url := fmt.Sprintf("http://127.0.0.1:%d/users", gatewayPort)
			post := func() {
				res, err := client.Post(url, "application/json", bytes.NewReader(create))
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusCreated {
					b.Fatalf("status %d", res.StatusCode)
				}
			}
			for range 200 { // warm up: connections, streams, pools
				post()
			}
			var lat []time.Duration
			cpu0 := cpuTime()
			b.ReportAllocs()
			for b.Loop() {
				start := time.Now()
				post()
				lat = append(lat, time.Since(start))
			}
			cpu := cpuTime() - cpu0
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-us")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-us")
			b.ReportMetric(float64(cpu.Microseconds())/float64(len(lat)), "cpu-us/op")
		})
	}
}

// cpuTime is the CPU time (user and system) this process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
