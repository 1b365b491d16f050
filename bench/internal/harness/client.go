package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sisterline/sisterline/internal/account"
)

// CheckLoopback refuses any URL whose host is not a literal loopback
// address: the harness must never load a machine other than this one.
func CheckLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("harness: %w", err)
	}
	ip := net.ParseIP(u.Hostname())
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("harness: %q is not a loopback address", u.Host)
	}
	return nil
}

// NewClient returns an HTTP client that spreads its requests over n
// clients, each with its own keep-alive connections from its own source
// address 127.0.0.2 … 127.0.0.(n+1). The server limits requests per client
// address (a flood guard of 100 a second); n simulated clients keep a load
// test measuring the server's work, not that guard. It follows no redirects
// and refuses any host that is not a loopback address.
func NewClient(n int, timeout time.Duration) (*http.Client, error) {
	if n < 1 || n > 250 {
		return nil, fmt.Errorf("harness: %d client addresses; want 1 to 250", n)
	}
	rr := &roundRobin{}
	for i := range n {
		d := &net.Dialer{
			LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+i))},
			Timeout:   5 * time.Second,
			KeepAlive: 30 * time.Second,
		}
		rr.transports = append(rr.transports, &http.Transport{
			Proxy:               nil,
			DialContext:         d.DialContext,
			MaxIdleConnsPerHost: 1000,
			IdleConnTimeout:     90 * time.Second,
			ForceAttemptHTTP2:   false,
		})
	}
	return &http.Client{
		Transport:     rr,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, nil
}

type roundRobin struct {
	transports []*http.Transport
	next       atomic.Uint64
}

func (r *roundRobin) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := CheckLoopback(req.URL.String()); err != nil {
		return nil, err
	}
	i := r.next.Add(1) % uint64(len(r.transports))
	return r.transports[i].RoundTrip(req)
}

// SessionCookie signs in through the form at /signin and returns the Cookie
// header value of the session.
func SessionCookie(ctx context.Context, c *http.Client, base, handle, pass string) (string, error) {
	form := url.Values{"handle": {handle}, "passphrase": {pass}}
	req, err := http.NewRequestWithContext(ctx, "POST", base+"/signin", strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("harness: sign in: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		return "", fmt.Errorf("harness: sign in: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	for _, ck := range resp.Cookies() {
		if ck.Name == account.SessionCookie && ck.Value != "" {
			return ck.Name + "=" + ck.Value, nil
		}
	}
	return "", fmt.Errorf("harness: sign in: no session cookie (status %d)", resp.StatusCode)
}

// Token signs in through the API and returns a bearer token.
func Token(ctx context.Context, c *http.Client, base, handle, pass string) (string, error) {
	var out struct {
		Token string `json:"token"`
	}
	st, err := CallJSON(ctx, c, base, "", "POST", "/api/v1/session", map[string]string{"handle": handle, "passphrase": pass}, &out)
	if err != nil {
		return "", err
	}
	if st != http.StatusCreated || out.Token == "" {
		return "", fmt.Errorf("harness: api sign in: status %d", st)
	}
	return out.Token, nil
}

// CallJSON calls the JSON API with an optional bearer token, decodes the
// answer into out (when not nil) and returns the status.
func CallJSON(ctx context.Context, c *http.Client, base, token, method, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, fmt.Errorf("harness: %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return 0, fmt.Errorf("harness: %s %s: %w", method, path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, fmt.Errorf("harness: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, fmt.Errorf("harness: %s %s: %w", method, path, err)
	}
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, fmt.Errorf("harness: %s %s: decode: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

// Get fetches path (with an optional Cookie header) and returns the status
// and body.
func Get(ctx context.Context, c *http.Client, base, path, cookie string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", base+path, nil)
	if err != nil {
		return 0, nil, fmt.Errorf("harness: GET %s: %w", path, err)
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("harness: GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("harness: GET %s: %w", path, err)
	}
	return resp.StatusCode, b, nil
}

// errNoAsset is returned when a page names no asset of that name.
var errNoAsset = errors.New("harness: asset not linked from the page")

// AssetPath finds the fingerprinted path of a static asset (style.css,
// exit.js) in a page's HTML: /static/HASH/NAME.
func AssetPath(page []byte, name string) (string, error) {
	s := string(page)
	end := strings.Index(s, "/"+name+`"`)
	if end < 0 {
		return "", fmt.Errorf("%w: %s", errNoAsset, name)
	}
	start := strings.LastIndex(s[:end], "/static/")
	if start < 0 {
		return "", fmt.Errorf("%w: %s", errNoAsset, name)
	}
	return s[start : end+len(name)+1], nil
}
