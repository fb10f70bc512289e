package server

import (
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

	jose "github.com/go-jose/go-jose/v4"
)

// fakeIdP is an in-process OpenID Connect provider: discovery document,
// JWKS, an authorization endpoint that logs the user in at once, and a
// token endpoint that checks the client secret and the PKCE verifier and
// signs an ID token (RS256, go-jose). tamper changes the ID token's claims
// of the next logins.
type fakeIdP struct {
	t      *testing.T
	ts     *httptest.Server
	key    *rsa.PrivateKey
	client string
	secret string

	mu     sync.Mutex
	email  string
	tamper func(claims map[string]any)
	codes  map[string]authRequest // code → the authorization request it answers
}

type authRequest struct {
	nonce, challenge, redirect string
}

func newFakeIdP(t *testing.T) *fakeIdP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeIdP{t: t, key: key, client: "handover", secret: "idp-client-secret", codes: map[string]authRequest{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": f.ts.URL, "authorization_endpoint": f.ts.URL + "/authorize", "token_endpoint": f.ts.URL + "/token",
			"jwks_uri": f.ts.URL + "/jwks", "id_token_signing_alg_values_supported": []string{"RS256"},
			"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
			"code_challenge_methods_supported": []string{"S256"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /authorize", f.authorize)
	mux.HandleFunc("POST /token", f.token)
	f.ts = httptest.NewServer(mux)
	t.Cleanup(f.ts.Close)
	return f
}

// authorize answers as if the user logged in: back to the redirect URI
// with a code and the state.
func (f *fakeIdP) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("response_type") != "code" || q.Get("client_id") != f.client || q.Get("code_challenge_method") != "S256" ||
		q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" {
		http.Error(w, "bad authorization request: "+r.URL.RawQuery, http.StatusBadRequest)
		return
	}
	code := base64.RawURLEncoding.EncodeToString(sha256.New().Sum([]byte(q.Get("state"))))[:20]
	f.mu.Lock()
	f.codes[code] = authRequest{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
	f.mu.Unlock()
	back, _ := url.Parse(q.Get("redirect_uri"))
	back.RawQuery = url.Values{"code": {code}, "state": {q.Get("state")}}.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (f *fakeIdP) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	fail := func(code, desc string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
	}
	if id != f.client || secret != f.secret {
		fail("invalid_client", "wrong client credentials")
		return
	}
	f.mu.Lock()
	req, known := f.codes[r.PostForm.Get("code")]
	delete(f.codes, r.PostForm.Get("code"))
	email, tamper := f.email, f.tamper
	f.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	switch {
	case r.PostForm.Get("grant_type") != "authorization_code" || !known:
		fail("invalid_grant", "unknown code")
		return
	case base64.RawURLEncoding.EncodeToString(sum[:]) != req.challenge:
		fail("invalid_grant", "PKCE verifier does not match")
		return
	case r.PostForm.Get("redirect_uri") != req.redirect:
		fail("invalid_grant", "redirect_uri differs")
		return
	}
	now := time.Now()
	claims := map[string]any{"iss": f.ts.URL, "sub": "user-1", "aud": f.client, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"nonce": req.nonce, "email": email, "email_verified": true}
	if tamper != nil {
		tamper(claims)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": "at-1", "token_type": "Bearer", "expires_in": 300, "id_token": f.sign(claims)})
}

func (f *fakeIdP) sign(claims map[string]any) string {
	f.t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: f.key, KeyID: "k1"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		f.t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		f.t.Fatal(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

// login sets who logs in next and how the ID token is tampered with.
func (f *fakeIdP) login(email string, tamper func(map[string]any)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.email, f.tamper = email, tamper
}
