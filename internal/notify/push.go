package notify

import (
	"context"
	"crypto/ecdh"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	webpush "github.com/SherClockHolmes/webpush-go"
)

// VAPIDKeys are the server's web push key pair (RFC 8292), base64url without
// padding as browsers take them.
type VAPIDKeys struct {
	Public  string `json:"public"`
	Private string `json:"private"`
}

// NewVAPIDKeys makes a key pair.
func NewVAPIDKeys() (VAPIDKeys, error) {
	priv, pub, err := webpush.GenerateVAPIDKeys()
	if err != nil {
		return VAPIDKeys{}, err
	}
	return VAPIDKeys{Public: pub, Private: priv}, nil
}

// Subscription is a browser's push subscription as the Push API gives it.
type Subscription struct {
	Endpoint string `json:"endpoint"`
	Keys     struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
}

// parseSubscription checks a subscription a browser sent: an https endpoint
// (http only on this machine, for tests), a P-256 public key and a 16-byte
// auth secret.
func parseSubscription(raw string, allowHTTP bool) (Subscription, error) {
	var s Subscription
	if len(raw) > 4096 || json.Unmarshal([]byte(raw), &s) != nil {
		return s, errBadSubscription
	}
	u, err := url.Parse(s.Endpoint)
	if err != nil || u.Host == "" || !(u.Scheme == "https" || allowHTTP && u.Scheme == "http") {
		return s, errBadSubscription
	}
	pub, err := decodeB64(s.Keys.P256dh)
	if err != nil {
		return s, errBadSubscription
	}
	if _, err := ecdh.P256().NewPublicKey(pub); err != nil {
		return s, errBadSubscription
	}
	if auth, err := decodeB64(s.Keys.Auth); err != nil || len(auth) != 16 {
		return s, errBadSubscription
	}
	return s, nil
}

func decodeB64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// pushServiceName names the browser vendor's push service of a subscription,
// which is all the settings page shows of a device.
func pushServiceName(raw string) string {
	var s Subscription
	if json.Unmarshal([]byte(raw), &s) != nil {
		return "?"
	}
	u, err := url.Parse(s.Endpoint)
	if err != nil {
		return "?"
	}
	h := u.Hostname()
	switch {
	case strings.HasSuffix(h, "googleapis.com"):
		return "Chrome"
	case strings.HasSuffix(h, "mozilla.com"):
		return "Firefox"
	case strings.HasSuffix(h, "push.apple.com"):
		return "Safari"
	case strings.HasSuffix(h, "notify.windows.com"):
		return "Edge"
	}
	return h
}

// PushPayload is what the service worker receives, decrypted: a neutral
// title and text, and the message id as the notification's tag, so a resend
// replaces the first notification instead of showing twice.
type PushPayload struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Body  string `json:"body"`
	// URL is the path on this site the notification opens.
	URL string `json:"url"`
}

// Push sends web push messages (RFC 8030) encrypted for the subscription
// (RFC 8291) and signed with the server's VAPID key (RFC 8292).
type Push struct {
	keys    VAPIDKeys
	subject string
	client  *http.Client
}

// NewPush returns the web push channel. subject is the contact the push
// services may reach the operator at (a mailto: or https: URL).
func NewPush(keys VAPIDKeys, subject string, conns int) *Push {
	// The library adds "mailto:" to anything that is not an https URL.
	subject = strings.TrimPrefix(subject, "mailto:")
	return &Push{keys: keys, subject: subject, client: newHTTPClient(conns)}
}

// Name implements Channel.
func (p *Push) Name() ChannelName { return ChannelPush }

// Send implements Channel.
func (p *Push) Send(ctx context.Context, d Delivery) error {
	var sub webpush.Subscription
	if err := json.Unmarshal([]byte(d.Address), &sub); err != nil {
		return &SendError{Code: "bad_subscription", Permanent: true, Gone: true}
	}
	body, err := json.Marshal(PushPayload{ID: d.ID, Title: d.Title, Body: d.Text, URL: d.Path})
	if err != nil {
		return Permanent("payload")
	}
	urgency := webpush.UrgencyNormal
	if d.Kind.Group() == GroupCheckin {
		urgency = webpush.UrgencyHigh
	}
	resp, err := webpush.SendNotificationWithContext(ctx, body, &sub, &webpush.Options{
		HTTPClient:      p.client,
		Subscriber:      p.subject,
		VAPIDPublicKey:  p.keys.Public,
		VAPIDPrivateKey: p.keys.Private,
		TTL:             24 * 3600,
		Urgency:         urgency,
		// Pad every payload to one size, so its length says nothing; small
		// enough to be cheap on a 2G connection.
		RecordSize: 1024,
	})
	if err != nil {
		var ue *url.Error
		if ctx.Err() != nil || errors.As(err, &ue) {
			return transportError(err)
		}
		return Permanent("push_encrypt")
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode/100 == 2:
		return nil
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		// The browser dropped the subscription: remove it.
		return &SendError{Code: "http_" + strconv.Itoa(resp.StatusCode), Permanent: true, Gone: true}
	}
	return httpStatusError(resp.StatusCode, false)
}
