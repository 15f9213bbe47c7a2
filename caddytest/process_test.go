package caddytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The gateway binary, built once per test binary by gatewayBinary.
var built struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// gatewayBinary builds ./cmd/caddy once and returns its path.
func gatewayBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "crud-gateway-")
		if built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "caddy")
		out, err := exec.Command("go", "build", "-o", built.path, "../cmd/caddy").CombinedOutput()
		if err != nil {
			built.err = fmt.Errorf("go build ./cmd/caddy: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

func cleanupGatewayBinary() {
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
}

// freePort returns a loopback port nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// gatewayProc is the gateway run as a process of its own, so a test can
// kill -9 it.
type gatewayProc struct {
	t        *testing.T
	name     string
	dataDir  string // XDG_DATA_HOME: Caddy's data directory is under it
	port     int    // HTTP
	admin    int
	config   string // the Caddyfile, with {port} and {admin} filled in
	cmd      *exec.Cmd
	log      *bytes.Buffer
	exited   chan struct{}
	stopOnce sync.Once
}

// newGatewayProc prepares a gateway whose Caddyfile site block is site;
// start runs it.
func newGatewayProc(t *testing.T, name, dataDir, site string) *gatewayProc {
	t.Helper()
	g := &gatewayProc{t: t, name: name, dataDir: dataDir, port: freePort(t), admin: freePort(t)}
	g.setSite(site)
	t.Cleanup(g.kill)
	return g
}

// setSite sets the Caddyfile the next start (or load) uses.
func (g *gatewayProc) setSite(site string) {
	g.config = fmt.Sprintf(`{
	admin 127.0.0.1:%d
	http_port %d
	auto_https off
	persist_config off
	skip_install_trust
}
:%d {
%s
}
`, g.admin, g.port, g.port, site)
}

// start runs the gateway and waits until it answers.
func (g *gatewayProc) start() {
	t := g.t
	t.Helper()
	file := filepath.Join(t.TempDir(), "Caddyfile")
	if err := os.WriteFile(file, []byte(g.config), 0o600); err != nil {
		t.Fatal(err)
	}
	g.cmd = exec.Command(gatewayBinary(t), "run", "--config", file, "--adapter", "caddyfile")
	g.cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+g.dataDir, "XDG_CONFIG_HOME="+filepath.Join(g.dataDir, "config"))
	g.log = &bytes.Buffer{}
	g.cmd.Stdout, g.cmd.Stderr = g.log, g.log
	if err := g.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	g.exited = make(chan struct{})
	g.stopOnce = sync.Once{}
	go func() { _ = g.cmd.Wait(); close(g.exited) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", g.port))
		if err == nil {
			res.Body.Close()
			return
		}
		select {
		case <-g.exited:
			t.Fatalf("%s exited at start:\n%s", g.name, g.log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not answer: %v\n%s", g.name, err, g.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill sends SIGKILL (kill -9) and waits for the process to go.
func (g *gatewayProc) kill() {
	g.stopOnce.Do(func() {
		if g.cmd == nil || g.cmd.Process == nil {
			return
		}
		_ = g.cmd.Process.Kill()
		<-g.exited
	})
}

// load posts the current Caddyfile to the admin endpoint: a reload.
func (g *gatewayProc) load() {
	t := g.t
	t.Helper()
	res, err := http.Post(fmt.Sprintf("http://127.0.0.1:%d/load", g.admin), "text/caddyfile", strings.NewReader(g.config))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("%s: /load: %d %s", g.name, res.StatusCode, b)
	}
}

// echoAPI answers a create with its request body and 201.
func echoAPI(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(b)
	}))
	t.Cleanup(s.Close)
	return s
}

// eventLog is a receiver that records, for each record number n, the id
// of every copy of its event that arrived. Each delivery takes a little
// while, so a burst leaves a backlog.
type eventLog struct {
	*httptest.Server
	mu     sync.Mutex
	ids    map[int][]string
	copies int
	bad    []string
}

func newEventLog(t *testing.T, perDelivery time.Duration) *eventLog {
	t.Helper()
	e := &eventLog{ids: map[int][]string{}}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var ev struct {
			ID      string `json:"id"`
			Records []struct {
				N int `json:"n"`
			} `json:"records"`
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		if err := json.Unmarshal(b, &ev); err != nil || len(ev.Records) != 1 || ev.ID != r.Header.Get("webhook-id") {
			e.bad = append(e.bad, string(b)+" webhook-id "+r.Header.Get("webhook-id"))
		} else {
			e.ids[ev.Records[0].N] = append(e.ids[ev.Records[0].N], ev.ID)
			e.copies++
		}
		time.Sleep(perDelivery)
	}))
	t.Cleanup(e.Close)
	return e
}

// burst counts what a burst of creates got.
type burst struct {
	sent  atomic.Int64
	acked sync.Map // n → true: the client got 2xx
	nAck  atomic.Int64
	other atomic.Int64 // non-2xx answers
	errs  sync.Map     // connection errors' texts
}

// errors returns up to three connection errors.
func (b *burst) errors() []string {
	var out []string
	b.errs.Range(func(k, _ any) bool {
		out = append(out, k.(string))
		return len(out) < 3
	})
	return out
}

// fire sends creates {"n":from}..{"n":to-1} over conns connections, each to
// target(n)'s port, until stop is closed; connection errors just count
// as not acknowledged.
func (b *burst) fire(from, to, conns int, target func(n int) int, stop <-chan struct{}) {
	var wg sync.WaitGroup
	next := atomic.Int64{}
	next.Store(int64(from))
	// a connection per request: a keep-alive connection that the old
	// server closes at a reload would fail a POST in flight, which says
	// nothing of the gateway
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := int(next.Add(1) - 1)
				if n >= to {
					return
				}
				select {
				case <-stop:
					return
				default:
				}
				b.sent.Add(1)
				res, err := client.Post(fmt.Sprintf("http://127.0.0.1:%d/items", target(n)), "application/json",
					strings.NewReader(`{"n":`+strconv.Itoa(n)+`}`))
				if err != nil {
					b.errs.Store(err.Error(), true)
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode >= 200 && res.StatusCode <= 299 {
					b.acked.Store(n, true)
					b.nAck.Add(1)
				} else {
					b.other.Add(1)
				}
			}
		}()
	}
	wg.Wait()
}

// waitDelivered waits until every acknowledged create's event arrived, then
// checks that the copies of each share one id, and logs the counts.
func (b *burst) waitDelivered(t *testing.T, e *eventLog, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	var missing []int
	for {
		missing = missing[:0]
		e.mu.Lock()
		b.acked.Range(func(k, _ any) bool {
			if len(e.ids[k.(int)]) == 0 {
				missing = append(missing, k.(int))
			}
			return true
		})
		e.mu.Unlock()
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	dups := e.copies - len(e.ids)
	t.Logf("sent %d, acknowledged 2xx %d (other answers %d), delivered %d events (%d copies), duplicates %d",
		b.sent.Load(), b.nAck.Load(), b.other.Load(), len(e.ids), e.copies, dups)
	if len(missing) > 0 {
		t.Fatalf("%d acknowledged events never arrived, e.g. n=%v", len(missing), missing[:min(10, len(missing))])
	}
	if len(e.bad) > 0 {
		t.Fatalf("malformed deliveries: %v", e.bad[:min(3, len(e.bad))])
	}
	for n, ids := range e.ids {
		for _, id := range ids {
			if id != ids[0] {
				t.Fatalf("n=%d arrived with ids %v", n, ids)
			}
		}
	}
}

// durableSite is the gateway's site: creates of items send an event to
// the receiver; the API echoes.
func durableSite(webhooks, receiver, api string) string {
	return `	crud {
		webhooks {
` + webhooks + `
		}
		resource items /items {
			async create {
				webhook ` + receiver + `/hook {
					secret ` + specSecret + `
				}
			}
		}
	}
	reverse_proxy ` + strings.TrimPrefix(api, "http://")
}
