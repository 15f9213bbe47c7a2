// Package testjwt signs the JSON Web Tokens and encodes the public keys
// that the identity tests of every package use.
package testjwt

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// Sign makes a token of claims signed with method and key.
func Sign(tb testing.TB, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	tb.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		tb.Fatalf("signing: %v", err)
	}
	return s
}

// PublicDER encodes a public key as PKIX DER.
func PublicDER(tb testing.TB, pub crypto.PublicKey) []byte {
	tb.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		tb.Fatal(err)
	}
	return der
}

// PublicPEM encodes a public key as a PKIX "PUBLIC KEY" PEM block.
func PublicPEM(tb testing.TB, pub crypto.PublicKey) []byte {
	tb.Helper()
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: PublicDER(tb, pub)})
}
