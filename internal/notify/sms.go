package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// SMSConfig configures an HTTP SMS gateway that speaks the shape of Twilio's
// Messages API: POST {URL}/2010-04-01/Accounts/{Account}/Messages.json with
// To, From and Body as a form, basic auth with the account and token. Any
// compatible provider or a local gateway can stand in by its URL.
type SMSConfig struct {
	URL     string // default https://api.twilio.com
	Account string
	Token   string
	From    string
}

// SMS sends text messages through the gateway.
type SMS struct {
	cfg    SMSConfig
	client *http.Client
}

// NewSMS returns the SMS channel.
func NewSMS(cfg SMSConfig, conns int) *SMS {
	if cfg.URL == "" {
		cfg.URL = "https://api.twilio.com"
	}
	cfg.URL = strings.TrimRight(cfg.URL, "/")
	return &SMS{cfg: cfg, client: newHTTPClient(conns)}
}

// Name implements Channel.
func (s *SMS) Name() ChannelName { return ChannelSMS }

// Send implements Channel. The message id goes in an Idempotency-Key header,
// which gateways that support it use to drop a resend.
func (s *SMS) Send(ctx context.Context, d Delivery) error {
	form := url.Values{"To": {d.Address}, "From": {s.cfg.From}, "Body": {d.Text}}
	endpoint := s.cfg.URL + "/2010-04-01/Accounts/" + url.PathEscape(s.cfg.Account) + "/Messages.json"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return Permanent("bad_url")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Idempotency-Key", d.ID)
	req.SetBasicAuth(s.cfg.Account, s.cfg.Token)
	resp, err := s.client.Do(req)
	if err != nil {
		return transportError(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	// A Twilio error names its code ({"code": 21211, ...}); keep the code,
	// never the message, which repeats the number.
	var te struct {
		Code int `json:"code"`
	}
	// A refused login is the operator's to fix: keep retrying meanwhile.
	authProblem := resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden
	err = httpStatusError(resp.StatusCode, authProblem)
	if json.Unmarshal(raw, &te) == nil && te.Code > 0 {
		se := err.(*SendError)
		se.Code += "_" + strconv.Itoa(te.Code)
	}
	return err
}
