package rules

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// webhookSecretPrefix starts every Standard Webhooks secret.
const webhookSecretPrefix = "whsec_"

// errSecretFormat says what a secret must look like without repeating it.
var errSecretFormat = errors.New("secret: want whsec_ followed by the base64 of a 24 to 64 byte key")

// webhookSecret decodes a webhook secret, after resolve (when not nil)
// fills in its placeholders. With no resolve, a secret that holds a
// placeholder is left to the load, which resolves it. Errors never
// repeat the secret, only the placeholder that named it.
func webhookSecret(raw string, resolve func(string) string) ([]byte, error) {
	v := raw
	if resolve != nil {
		v = resolve(raw)
	} else if strings.Contains(raw, "{") {
		return nil, nil
	}
	if v == "" {
		return nil, fmt.Errorf("secret %s is empty", raw)
	}
	enc, ok := strings.CutPrefix(v, webhookSecretPrefix)
	if !ok {
		return nil, errSecretFormat
	}
	key, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(key) < 24 || len(key) > 64 {
		return nil, errSecretFormat
	}
	return key, nil
}
