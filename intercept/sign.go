package intercept

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
)

// The Standard Webhooks headers (standardwebhooks.com).
const (
	headerWebhookID        = "Webhook-Id"
	headerWebhookTimestamp = "Webhook-Timestamp"
	headerWebhookSignature = "Webhook-Signature"
)

// signWebhook returns the Standard Webhooks signature of one attempt:
// `v1,` and the base64 HMAC-SHA256, keyed by secret, of id.timestamp.body.
func signWebhook(secret []byte, id string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write(strconv.AppendInt(nil, timestamp, 10))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// setWebhookHeaders sets the Standard Webhooks headers of one attempt:
// the event id, the attempt's time (Unix seconds) and, with a secret, its
// signature; every attempt is signed afresh.
func setWebhookHeaders(h http.Header, id string, now int64, secret, body []byte) {
	h.Set(headerWebhookID, id)
	h.Set(headerWebhookTimestamp, strconv.FormatInt(now, 10))
	if secret != nil {
		h.Set(headerWebhookSignature, signWebhook(secret, id, now, body))
	}
}
