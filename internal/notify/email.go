package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strconv"
	"strings"
	"time"

	mail "github.com/wneessen/go-mail"
)

// SMTPConfig configures the e-mail channel: an SMTP submission server that
// offers STARTTLS, which is required.
type SMTPConfig struct {
	Host     string
	Port     int // default 587
	User     string
	Password string
	From     string
	// TLS overrides the TLS settings (tests trust their own certificate).
	TLS *tls.Config
}

// Email sends messages over SMTP with STARTTLS.
type Email struct {
	cfg SMTPConfig
	// msgHost is the right-hand side of Message-ID headers.
	msgHost string
}

// NewEmail returns the e-mail channel.
func NewEmail(cfg SMTPConfig) *Email {
	if cfg.Port == 0 {
		cfg.Port = 587
	}
	host := "sisterline.invalid"
	if _, domain, ok := strings.Cut(cfg.From, "@"); ok && domain != "" {
		host = strings.Trim(domain, "<> ")
	}
	return &Email{cfg: cfg, msgHost: host}
}

// Name implements Channel.
func (e *Email) Name() ChannelName { return ChannelEmail }

// Send implements Channel. The message id becomes the Message-ID header, by
// which mail systems and readers drop a resend.
func (e *Email) Send(ctx context.Context, d Delivery) error {
	m := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := m.From(e.cfg.From); err != nil {
		return Temporary("bad_from")
	}
	if err := m.To(d.Address); err != nil {
		return Permanent("bad_address")
	}
	m.Subject(d.Title)
	m.SetMessageIDWithValue(strings.ToLower(d.ID) + "@" + e.msgHost)
	m.SetDateWithValue(d.CreatedAt)
	if d.Lang != "" {
		m.SetGenHeader(mail.HeaderContentLang, d.Lang)
	}
	m.SetBodyString(mail.TypeTextPlain, d.Text)

	opts := []mail.Option{
		mail.WithPort(e.cfg.Port),
		mail.WithTLSPolicy(mail.TLSMandatory),
	}
	if e.cfg.TLS != nil {
		opts = append(opts, mail.WithTLSConfig(e.cfg.TLS))
	}
	if e.cfg.User != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(e.cfg.User), mail.WithPassword(e.cfg.Password))
	}
	if dl, ok := ctx.Deadline(); ok {
		left := time.Until(dl)
		if left <= 0 {
			return Temporary("timeout")
		}
		opts = append(opts, mail.WithTimeout(left))
	}
	c, err := mail.NewClient(e.cfg.Host, opts...)
	if err != nil {
		return Temporary("smtp_config")
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		return smtpError(err)
	}
	return nil
}

// smtpError classifies an SMTP failure. Only a recipient refused for good
// (5xx to RCPT TO) is permanent: everything else — a refused login, a
// server without STARTTLS, a full queue — is the operator's to fix or the
// network's, and worth retrying.
func smtpError(err error) error {
	var se *mail.SendError
	if errors.As(err, &se) {
		code := "smtp"
		if n := se.ErrorCode(); n > 0 {
			code += "_" + strconv.Itoa(n)
		}
		if se.Reason == mail.ErrSMTPRcptTo && !se.IsTemp() && se.ErrorCode() >= 500 {
			return Permanent(code)
		}
		return Temporary(code)
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return transportError(err)
	}
	if strings.Contains(err.Error(), "STARTTLS") {
		return Temporary("smtp_no_starttls")
	}
	return Temporary("smtp")
}
