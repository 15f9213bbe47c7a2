package caddytest

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"
)

func TestSmokeAfter(t *testing.T) {
	list := `{"data":[{"id":1,"password":"p","secret":"s","creatorId":"u1"},{"id":2,"deleted":true}],"total":2}`
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Etag", `"abc"`)
		if r.URL.Query().Get("gz") == "1" {
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			io.WriteString(zw, list)
			zw.Close()
			return
		}
		io.WriteString(w, list)
	})
	tester := gateway(t, `
		resource users /api/users {
			records data
			total total
			after read {
				hide password
				hide secret if `+"`user?.id != record.creatorId`"+`
				drop `+"`record.deleted == true`"+`
			}
		}`, up)
	want := `{"data":[{"id":1,"creatorId":"u1"}],"total":1}`
	res := send(t, tester, "GET", "/api/users", "")
	res.expect(t, 200, want)
	if res.Header.Get("Etag") != "" || res.Header.Get("Content-Length") != strconv.Itoa(len(want)) {
		t.Fatalf("headers %v", res.Header)
	}
	if got := up.only(t).Header.Get("Accept-Encoding"); got != "identity" {
		t.Fatalf("upstream Accept-Encoding %q", got)
	}
	send(t, tester, "GET", "/api/users?gz=1", "").expect(t, 200, want)
}

func TestSmokeAfterUnderEncode(t *testing.T) {
	name := string(bytes.Repeat([]byte("x"), 2000))
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `[{"id":1,"password":"p","name":"`+name+`"}]`)
	})
	tester := startGateway(t, `
	encode gzip
	crud {
		resource users /api/users {
			after list {
				hide password
			}
		}
	}
	reverse_proxy {upstream}`, up)
	req, _ := http.NewRequest("GET", fmt.Sprintf("http://localhost:%d/api/users", gatewayPort), nil)
	req.Header.Set("Accept-Encoding", "gzip")
	tr := &http.Transport{DisableCompression: true}
	res, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q", res.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(zr)
	if string(b) != `[{"id":1,"name":"`+name+`"}]` {
		t.Fatalf("body %s", b)
	}
	_ = tester
}
