package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// SignatureHeader carries the HMAC-SHA256 of the webhook body.
const SignatureHeader = "X-Sisterline-Signature"

// Webhook POSTs every message as signed JSON to one URL: the operator's
// bridge to Signal, Telegram, WeChat work accounts or anything else. It is
// the one place a handle, phone number or e-mail address leaves the server,
// by the operator's configuration.
type Webhook struct {
	url    string
	secret []byte
	client *http.Client
}

// NewWebhook returns the webhook channel.
func NewWebhook(url, secret string, conns int) *Webhook {
	return &Webhook{url: url, secret: []byte(secret), client: newHTTPClient(conns)}
}

// Name implements Channel.
func (w *Webhook) Name() ChannelName { return ChannelWebhook }

// WebhookPayload is the body of a webhook call, as the API contract names it.
type WebhookPayload struct {
	ID        string           `json:"id"`
	Kind      Kind             `json:"kind"`
	Recipient WebhookRecipient `json:"recipient"`
	Text      string           `json:"text"`
	CreatedAt time.Time        `json:"created_at"`
}

// WebhookRecipient is the recipient in a webhook call.
type WebhookRecipient struct {
	Type   RecipientType `json:"type"`
	Handle string        `json:"handle,omitempty"`
	Phone  string        `json:"phone,omitempty"`
	Email  string        `json:"email,omitempty"`
}

// Sign returns the signature header value of body under secret.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Send implements Channel. Every answer but 2xx is retried, as the contract
// says; the id stays the same.
func (w *Webhook) Send(ctx context.Context, d Delivery) error {
	p := WebhookPayload{ID: d.ID, Kind: d.Kind, Text: d.Text, CreatedAt: d.CreatedAt.UTC()}
	p.Recipient.Type = d.Recipient.Type
	switch d.Recipient.Type {
	case RecipientMember:
		p.Recipient.Handle = d.Handle
	case RecipientPhone:
		p.Recipient.Phone = d.Recipient.Phone
	case RecipientEmail:
		p.Recipient.Email = d.Recipient.Email
	}
	body, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("notify: webhook body: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return Permanent("bad_url")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, Sign(w.secret, body))
	req.Header.Set("User-Agent", "Sisterline")
	resp, err := w.client.Do(req)
	if err != nil {
		return transportError(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return httpStatusError(resp.StatusCode, true)
	}
	return nil
}
