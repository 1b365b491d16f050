package notify_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/db/dbtest"
	"github.com/sisterline/sisterline/internal/notify"
	"github.com/sisterline/sisterline/internal/web"
)

// pushService is a local web push service holding one browser's
// subscription keys: it checks the VAPID signature and decrypts each message
// as the browser would (RFC 8291).
type pushService struct {
	t      *testing.T
	srv    *httptest.Server
	priv   *ecdh.PrivateKey // the browser's key
	auth   []byte
	vapid  string // the server key the browser subscribed with
	status int

	mu   sync.Mutex
	got  []pushMessage
	errs []error
}

type pushMessage struct {
	Payload notify.PushPayload
	Size    int
	Urgency string
	TTL     string
	Claims  map[string]any
}

func newPushService(t *testing.T, vapidPublic string) *pushService {
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ps := &pushService{t: t, priv: priv, auth: make([]byte, 16), vapid: vapidPublic, status: http.StatusCreated}
	_, _ = rand.Read(ps.auth)
	ps.srv = httptest.NewServer(http.HandlerFunc(ps.serve))
	t.Cleanup(ps.srv.Close)
	return ps
}

// subscription is what the browser's PushManager would give the page.
func (ps *pushService) subscription() string {
	b, _ := json.Marshal(map[string]any{
		"endpoint": ps.srv.URL + "/wpush/v2/abc",
		"keys": map[string]string{
			"p256dh": base64.RawURLEncoding.EncodeToString(ps.priv.PublicKey().Bytes()),
			"auth":   base64.RawURLEncoding.EncodeToString(ps.auth),
		},
	})
	return string(b)
}

func (ps *pushService) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	msg, err := ps.open(r, body)
	ps.mu.Lock()
	if err != nil {
		ps.errs = append(ps.errs, err)
	} else {
		ps.got = append(ps.got, msg)
	}
	status := ps.status
	ps.mu.Unlock()
	w.WriteHeader(status)
}

func (ps *pushService) open(r *http.Request, body []byte) (pushMessage, error) {
	m := pushMessage{Size: len(body), Urgency: r.Header.Get("Urgency"), TTL: r.Header.Get("TTL")}
	if r.Header.Get("Content-Encoding") != "aes128gcm" {
		return m, errors.New("not aes128gcm")
	}
	claims, err := verifyVAPID(r.Header.Get("Authorization"), ps.vapid)
	if err != nil {
		return m, err
	}
	m.Claims = claims
	// RFC 8188 header: salt(16) rs(4) idlen(1) keyid(idlen) — the sender's
	// one-time public key.
	if len(body) < 21 {
		return m, errors.New("short body")
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if len(body) < 21+idlen || rs < 18 {
		return m, errors.New("bad header")
	}
	asPub, err := ecdh.P256().NewPublicKey(body[21 : 21+idlen])
	if err != nil {
		return m, err
	}
	shared, err := ps.priv.ECDH(asPub)
	if err != nil {
		return m, err
	}
	// RFC 8291 section 3.3: the input keying material.
	info := append(append([]byte("WebPush: info\x00"), ps.priv.PublicKey().Bytes()...), asPub.Bytes()...)
	ikm, err := hkdf.Key(sha256.New, shared, ps.auth, string(info), 32)
	if err != nil {
		return m, err
	}
	cek, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	nonce, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	block, _ := aes.NewCipher(cek)
	gcm, _ := cipher.NewGCM(block)
	plain, err := gcm.Open(nil, nonce, body[21+idlen:], nil)
	if err != nil {
		return m, fmt.Errorf("decrypt: %w", err)
	}
	// Padding: the last record ends with 0x02 then zeros.
	i := len(plain) - 1
	for i >= 0 && plain[i] == 0 {
		i--
	}
	if i < 0 || plain[i] != 2 {
		return m, errors.New("bad padding delimiter")
	}
	if err := json.Unmarshal(plain[:i], &m.Payload); err != nil {
		return m, err
	}
	return m, nil
}

// verifyVAPID checks "vapid t=JWT, k=KEY" (RFC 8292): the key is the one
// the browser subscribed with and the ES256 signature is right.
func verifyVAPID(header, wantKey string) (map[string]any, error) {
	rest, ok := strings.CutPrefix(header, "vapid ")
	if !ok {
		return nil, errors.New("no vapid authorization")
	}
	var tok, key string
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			tok = v
		case "k":
			key = v
		}
	}
	if key != wantKey {
		return nil, errors.New("vapid key is not the subscription's")
	}
	pub, err := base64.RawURLEncoding.DecodeString(key)
	if err != nil {
		return nil, errors.New("bad vapid key")
	}
	pk, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), pub)
	if err != nil {
		return nil, fmt.Errorf("bad vapid key: %w", err)
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, errors.New("bad jwt")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return nil, errors.New("bad jwt signature")
	}
	h := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pk, h[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return nil, errors.New("jwt signature does not verify")
	}
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	return claims, json.Unmarshal(raw, &claims)
}

func (ps *pushService) Got() ([]pushMessage, []error) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return append([]pushMessage(nil), ps.got...), append([]error(nil), ps.errs...)
}

func TestPushArrivesEncryptedForTheSubscriptionAndSignedWithVAPID(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, func(o *notify.Options) { o.PushSubject = "mailto:ops@example.org" })
		ctx := context.Background()
		ps := newPushService(t, e.svc.VAPIDPublicKey())
		lin := e.addUser(t, e.org, web.RoleMember, "lin", "en")
		if _, err := e.svc.AddAddress(ctx, e.principal(lin), notify.ChannelPush, ps.subscription(), nil); err != nil {
			t.Fatal(err)
		}
		e.send(t,
			notify.Message{Kind: notify.KindCheckinReminder, OrgID: e.org, To: notify.ToMember(lin), Data: map[string]string{"Path": "/c/tok123"}},
			notify.Message{Kind: notify.KindTest, OrgID: e.org, To: notify.ToMember(lin)},
		)
		e.drain(t, e.svc)
		got, errs := ps.Got()
		if len(errs) > 0 || len(got) != 2 {
			t.Fatalf("push service: %d messages, errors %v", len(got), errs)
		}
		texts := map[string]pushMessage{}
		for _, m := range got {
			texts[m.Payload.Body] = m
			if m.Payload.ID == "" || m.Payload.Title != "Notes" || m.TTL == "" {
				t.Errorf("message %+v", m)
			}
			if m.Claims["sub"] != "mailto:ops@example.org" || m.Claims["aud"] != ps.srv.URL {
				t.Errorf("vapid claims %v", m.Claims)
			}
			// Every message is padded to one size: its length says nothing.
			if m.Size != got[0].Size {
				t.Errorf("sizes differ: %d and %d", m.Size, got[0].Size)
			}
		}
		reminder, ok := texts["You have a new notice from Notes."]
		if !ok || reminder.Urgency != "high" || reminder.Payload.URL != "/c/tok123" {
			t.Errorf("the check-in reminder is missing, not neutral or not urgent: %+v", texts)
		}
		if _, ok := texts["This is a test message from Notes. Your notices will arrive here."]; !ok {
			t.Errorf("the test message is missing: %+v", texts)
		}
	})
}

func TestPushSubscriptionTheServiceSaysIsGoneIsRemoved(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		ps := newPushService(t, e.svc.VAPIDPublicKey())
		ps.status = http.StatusGone
		lin := e.addUser(t, e.org, web.RoleMember, "lin", "en")
		if _, err := e.svc.AddAddress(ctx, e.principal(lin), notify.ChannelPush, ps.subscription(), nil); err != nil {
			t.Fatal(err)
		}
		e.send(t, notify.Message{Kind: notify.KindAlertPublished, OrgID: e.org, To: notify.ToMember(lin)})
		e.drain(t, e.svc)
		e.clock.Advance(time.Minute)
		e.send(t, notify.Message{Kind: notify.KindAlertPublished, OrgID: e.org, To: notify.ToMember(lin)})
		e.drain(t, e.svc)
		if got, _ := ps.Got(); len(got) != 1 {
			t.Fatalf("push service got %d messages; want 1, then none once gone", len(got))
		}
		if addrs, _ := e.svc.Addresses(ctx, e.principal(lin)); len(addrs) != 0 {
			t.Fatalf("a gone subscription is kept: %+v", addrs)
		}
	})
}

func TestPushSubscriptionMustBeUsable(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, func(o *notify.Options) { o.AllowHTTPPush = false })
		ctx := context.Background()
		lin := e.addUser(t, e.org, web.RoleMember, "lin", "en")
		ps := newPushService(t, e.svc.VAPIDPublicKey())
		good := strings.Replace(ps.subscription(), "http://", "https://", 1)
		for name, sub := range map[string]string{
			"plain http": ps.subscription(),
			"not json":   "{",
			"bad key":    strings.Replace(good, `"p256dh":"`, `"p256dh":"AAAA`, 1),
			"no auth":    strings.Replace(good, `"auth":"`, `"auth":"x`, 1),
		} {
			if _, err := e.svc.AddAddress(ctx, e.principal(lin), notify.ChannelPush, sub, nil); err == nil {
				t.Errorf("%s: accepted", name)
			}
		}
		if _, err := e.svc.AddAddress(ctx, e.principal(lin), notify.ChannelPush, good, nil); err != nil {
			t.Fatalf("a good subscription: %v", err)
		}
	})
}
