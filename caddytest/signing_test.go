package caddytest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// The example secret of the Standard Webhooks spec.
const specSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// verifyStandardWebhook is a receiver's check, written from the Standard
// Webhooks spec with the standard library: the HMAC-SHA256 of
// id.timestamp.body under the decoded secret must match one of the
// signature header's `v1,` entries.
func verifyStandardWebhook(secret string, h http.Header, body string) error {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return err
	}
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return errors.New("missing headers")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + body))
	want := mac.Sum(nil)
	for _, s := range strings.Fields(sigs) {
		v, b64, ok := strings.Cut(s, ",")
		got, err := base64.StdEncoding.DecodeString(b64)
		if ok && v == "v1" && err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return errors.New("no matching signature")
}

func TestSigningVerifierMatchesSpecVector(t *testing.T) {
	h := http.Header{}
	h.Set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
	h.Set("webhook-timestamp", "1614265330")
	h.Set("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
	if err := verifyStandardWebhook(specSecret, h, `{"test": 2432232314}`); err != nil {
		t.Fatalf("the spec's own example fails: %v", err)
	}
	if verifyStandardWebhook(specSecret, h, `{"test": 2432232315}`) == nil {
		t.Fatal("a tampered body verifies")
	}
}

func TestSigningWebhooks(t *testing.T) {
	t.Setenv("HOOK_SECRET", specSecret)
	hook := newHookReceiver(t)
	hook.failFirst("/flaky", 1)
	up := asyncEcho(t, nil)
	tester := crud(t, `
		webhooks {
			grace 1s
		}
		resource users /api/users {
			async create {
				webhook `+hook.URL+`/flaky {
					secret {env.HOOK_SECRET}
				}
				webhook `+hook.URL+`/plain
			}
		}`, up)

	send(t, tester, "POST", "/api/users", `{"n":1}`).expect(t, 200, `{"n":1}`)
	calls := map[string][]hookCall{}
	for range 3 { // /flaky twice (a 500, then 200), /plain once
		c := hook.next(t)
		calls[c.Path] = append(calls[c.Path], c)
	}
	hook.quiet(t)
	flaky, plain := calls["/flaky"], calls["/plain"]
	if len(flaky) != 2 || len(plain) != 1 {
		t.Fatalf("attempts %v", calls)
	}
	id := decodeEvent(t, flaky[0]).str(t, "id")
	for i, c := range flaky {
		if err := verifyStandardWebhook(specSecret, c.Header, c.Body); err != nil {
			t.Fatalf("attempt %d: %v (headers %v)", i+1, err, c.Header)
		}
		if got := c.Header.Get("webhook-id"); got != id || c.EventID != id {
			t.Fatalf("attempt %d: webhook-id %q, X-Crud-Event-Id %q, event id %q", i+1, got, c.EventID, id)
		}
		// a receiver rejects what was changed on the way
		tampered := strings.Replace(c.Body, `"n":1`, `"n":2`, 1)
		if tampered == c.Body || verifyStandardWebhook(specSecret, c.Header, tampered) == nil {
			t.Fatalf("attempt %d: a tampered body verifies", i+1)
		}
	}
	// the other webhook of the request is another event, and unsigned
	p := plain[0]
	if pid := p.Header.Get("webhook-id"); pid == "" || pid == id || pid != decodeEvent(t, p).str(t, "id") {
		t.Fatalf("second webhook's id %q, first's %q", pid, id)
	}
	if s := p.Header.Get("webhook-signature"); s != "" || p.Header.Get("webhook-timestamp") == "" {
		t.Fatalf("unsigned webhook headers %v", p.Header)
	}
}

func TestSigningBadSecret(t *testing.T) {
	t.Setenv("HOOK_SECRET", "")
	for _, c := range []struct{ secret, want string }{
		{"whsec_not*base64", `resource \"users\": async create: statement 1 (webhook http://127.0.0.1:9/h): secret: want whsec_ followed by the base64 of a 24 to 64 byte key`},
		{"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", `statement 1 (webhook http://127.0.0.1:9/h): secret: want whsec_`},
		{"whsec_c2hvcnQ=", `statement 1 (webhook http://127.0.0.1:9/h): secret: want whsec_`},
		{"{env.HOOK_SECRET}", `statement 1 (webhook http://127.0.0.1:9/h): secret {env.HOOK_SECRET} is empty`},
	} {
		t.Run(c.secret, func(t *testing.T) {
			expectLoadError(t, `
		resource users /api/users {
			async create {
				webhook http://127.0.0.1:9/h {
					secret `+c.secret+`
				}
			}
		}`, strings.ReplaceAll(c.want, `\"`, `"`))
		})
	}
}
