package caddytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/caddy-crud/caddy-crud/internal/benchdata"
)

// plainPort is where the benchmark's second site, reverse_proxy alone,
// listens; gatewayPort serves the same proxy behind crud.
const plainPort = 18081

// benchUpstream serves the list at GET /users and answers creates with 201;
// unlike newUpstream it keeps only the last create body, so a long run
// does not grow.
type benchUpstream struct {
	*httptest.Server
	mu   sync.Mutex
	last []byte
}

func newBenchUpstream(b *testing.B, list []byte) *benchUpstream {
	b.Helper()
	u := &benchUpstream{}
	created := []byte(`{"id":101}`)
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		switch r.Method {
		case http.MethodPost:
			var body bytes.Buffer
			_, _ = body.ReadFrom(r.Body)
			u.mu.Lock()
			u.last = body.Bytes()
			u.mu.Unlock()
			h.Set("Content-Length", strconv.Itoa(len(created)))
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write(created)
		default:
			h.Set("Content-Length", strconv.Itoa(len(list)))
			_, _ = w.Write(list)
		}
	}))
	b.Cleanup(u.Close)
	return u
}

func (u *benchUpstream) lastCreate() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return string(u.last)
}

// startBenchGateway loads two sites in front of up: gatewayPort with crud
// (the create and list rules) and plainPort with reverse_proxy alone. The
// admin endpoint and global options are the harness's, so the integration
// tests that run before the benchmarks load their own configs as usual.
func startBenchGateway(b *testing.B, up string) *caddytest.Tester {
	b.Helper()
	tester := caddytest.NewTester(b)
	nextGatewayPort()
	tester.InitServer(fmt.Sprintf(bt(`{
	admin `+adminAddr+`
	http_port %[1]d
	https_port `+httpsPort+`
	grace_period 1ns
	skip_install_trust
}
:%[1]d {
	crud {
		identity placeholder http.request.header {
			id X-User-Id
		}
		resource users /users {
			records data
			total total
			before create {
				protect createdAt role
				transform email ´lower(trim(value))´
				check email ´record.email matches "^[^@ ]+@[^@ ]+$"´ "must be a valid email"
				set creatorId ´user.id´
				default role ´"member"´
				require ´record.name != nil´ 422 "name is required"
			}
			after list {
				hide password
				hide profile.ssn
				hide secret
				hide email if ´user?.id != record.creatorId´
				drop ´record.deleted == true´
			}
		}
	}
	reverse_proxy %[3]s
}
http://:%[2]d {
	reverse_proxy %[3]s
}
`), gatewayPort, plainPort, up), "caddyfile")
	return tester
}

// BenchmarkEndToEnd measures requests through a real Caddy, one
// keep-alive client and an httptest upstream, all in this process: plain
// is reverse_proxy alone, crud-* the same proxy behind crud.
func BenchmarkEndToEnd(b *testing.B) {
	list := benchdata.List(100)
	create := benchdata.Create(1024)
	up := newBenchUpstream(b, list)
	startBenchGateway(b, up.Listener.Addr().String())
	if b.Failed() || b.Skipped() {
		return
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}
	b.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr}
	plain := fmt.Sprintf("http://127.0.0.1:%d/users", plainPort)
	crud := fmt.Sprintf("http://127.0.0.1:%d/users", gatewayPort)

	// get sends a list request, copying the answer into keep when not nil.
	get := func(b *testing.B, url string, keep *bytes.Buffer) int {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("X-User-Id", "u1")
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer res.Body.Close()
		var dst io.Writer = io.Discard
		if keep != nil {
			dst = keep
		}
		if _, err := io.Copy(dst, res.Body); err != nil {
			b.Fatal(err)
		}
		return res.StatusCode
	}
	post := func(b *testing.B, url string) int {
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(create))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-User-Id", "u1")
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}

	// what each target does, checked once
	var body bytes.Buffer
	if status := get(b, plain, &body); status != http.StatusOK || !bytes.Equal(body.Bytes(), list) {
		b.Fatalf("plain list: %d %.200s", status, body.Bytes())
	}
	body.Reset()
	status := get(b, crud, &body)
	var got struct {
		Data  []map[string]any `json:"data"`
		Total int              `json:"total"`
	}
	if err := json.Unmarshal(body.Bytes(), &got); err != nil || status != http.StatusOK || len(got.Data) != 95 ||
		got.Total != 95 || bytes.Contains(body.Bytes(), []byte(`"password"`)) {
		b.Fatalf("crud list: %d, %d records, total %d, %v: %.300s", status, len(got.Data), got.Total, err, body.Bytes())
	}
	if status := post(b, crud); status != http.StatusCreated || !strings.Contains(up.lastCreate(), `"creatorId":"u1"`) ||
		strings.Contains(up.lastCreate(), "createdAt") {
		b.Fatalf("crud create: %d, upstream got %s", status, up.lastCreate())
	}

	listBench := func(url string, want int) func(*testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(list)))
			for b.Loop() {
				if status := get(b, url, nil); status != want {
					b.Fatalf("status %d", status)
				}
			}
		}
	}
	createBench := func(url string) func(*testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(create)))
			for b.Loop() {
				if status := post(b, url); status != http.StatusCreated {
					b.Fatalf("status %d", status)
				}
			}
		}
	}
	b.Run("plain", listBench(plain, http.StatusOK))
	b.Run("plain-create", createBench(plain))
	b.Run("crud-list100", listBench(crud, http.StatusOK))
	b.Run("crud-create", createBench(crud))
}
