package fakeaws

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"
)

// TokenIssuer is a fake GitHub Actions OIDC token endpoint
// (ACTIONS_ID_TOKEN_REQUEST_URL) that issues real RS256 JWTs signed with a
// test key.
type TokenIssuer struct {
	*httptest.Server
	// Bearer is the request token it accepts (ACTIONS_ID_TOKEN_REQUEST_TOKEN).
	Bearer string
	// Subject is the sub claim of the tokens it issues.
	Subject string
	key     *rsa.PrivateKey
	mu      sync.Mutex
	// Requests are the query strings received.
	Requests []url.Values
	// Issued are the tokens handed out.
	Issued []string
}

// NewTokenIssuer starts a token endpoint for the test.
func NewTokenIssuer(t testing.TB, subject string) *TokenIssuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ti := &TokenIssuer{key: key, Bearer: "request-token-secret", Subject: subject}
	ti.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ti.mu.Lock()
		defer ti.mu.Unlock()
		ti.Requests = append(ti.Requests, r.URL.Query())
		if r.Header.Get("Authorization") != "Bearer "+ti.Bearer {
			http.Error(w, `{"message": "bad token"}`, http.StatusUnauthorized)
			return
		}
		tok := ti.Sign(map[string]any{
			"iss": "https://token.actions.githubusercontent.com", "sub": ti.Subject, "aud": r.URL.Query().Get("audience"),
			"repository": "acme/shop", "ref": "refs/pull/7/merge", "event_name": "pull_request",
			"exp": time.Now().Add(5 * time.Minute).Unix(), "iat": time.Now().Unix(),
		})
		ti.Issued = append(ti.Issued, tok)
		json.NewEncoder(w).Encode(map[string]string{"value": tok})
	}))
	t.Cleanup(ti.Close)
	return ti
}

// Sign makes a JWT of the claims.
func (ti *TokenIssuer) Sign(claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	head := enc(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "test"}) + "." + enc(claims)
	sum := sha256.Sum256([]byte(head))
	sig, err := rsa.SignPKCS1v15(rand.Reader, ti.key, crypto.SHA256, sum[:])
	if err != nil {
		panic(err) // a 2048-bit test key always signs
	}
	return head + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// RequestURL is what ACTIONS_ID_TOKEN_REQUEST_URL holds.
func (ti *TokenIssuer) RequestURL() string { return ti.URL + "/token?api-version=2.0" }
