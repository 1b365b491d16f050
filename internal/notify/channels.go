package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Channel delivers messages one way out (web push, SMS, e-mail, webhook). Send returns nil once the receiver
// has accepted the message; any error means "not delivered". A *SendError
// says whether trying again can help; any other error counts as temporary.
type Channel interface {
	Name() ChannelName
	Send(ctx context.Context, d Delivery) error
}

// Delivery is one message ready to leave on one channel.
type Delivery struct {
	// ID is the message id: the same on every channel and every retry.
	ID        string
	Kind      Kind
	Recipient Recipient
	// Handle is the recipient's handle when she is a member (the webhook
	// carries it).
	Handle string
	// Address is where the channel sends: the E.164 number, the e-mail
	// address, or the push subscription as JSON. Empty for the webhook.
	Address string
	// Title is the neutral heading (the site name); Text is the message,
	// already in the recipient's language.
	Title string
	Text  string
	// Path is where tapping a push notification leads (on this site).
	Path      string
	Lang      string
	CreatedAt time.Time
}

// SendError is a failed delivery, described without any content or address:
// Code is short and safe to store and log ("http_500", "timeout").
type SendError struct {
	Code string
	// Permanent means retrying cannot help (the number does not exist).
	Permanent bool
	// Gone means the address itself is dead (a push subscription the
	// browser dropped): it is removed.
	Gone bool
}

func (e *SendError) Error() string {
	if e.Permanent {
		return "notify: permanent failure: " + e.Code
	}
	return "notify: temporary failure: " + e.Code
}

// Temporary is a failure worth retrying.
func Temporary(code string) error { return &SendError{Code: code} }

// Permanent is a failure retrying cannot fix.
func Permanent(code string) error { return &SendError{Code: code, Permanent: true} }

// failureOf describes err for storage and logs: its code when it is a
// *SendError, otherwise "error" (the raw error may hold an address and is
// never stored).
func failureOf(err error) (code string, permanent, gone bool) {
	var se *SendError
	if errors.As(err, &se) {
		return se.Code, se.Permanent, se.Gone
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout", false, false
	}
	return "error", false, false
}

// transportError classifies an error from an HTTP client: it never carries
// the URL or the message on.
func transportError(err error) error {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return Temporary("timeout")
	case errors.Is(err, context.Canceled):
		return Temporary("canceled")
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		return Temporary("connect")
	}
	return Temporary("network")
}

// httpStatusError classifies a non-2xx answer. Server errors, 408 and 429 are
// worth retrying; with retryAll every status is (the webhook contract retries
// until 2xx).
func httpStatusError(status int, retryAll bool) error {
	code := fmt.Sprintf("http_%d", status)
	if retryAll || status >= 500 || status == http.StatusRequestTimeout || status == http.StatusTooManyRequests {
		return Temporary(code)
	}
	return Permanent(code)
}

// newHTTPClient is the client every HTTP channel uses: no redirects (a
// redirect would send the message somewhere nobody configured), connection
// reuse for the dispatcher's workers, and the per-delivery timeout set by
// the context.
func newHTTPClient(conns int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = conns
	tr.MaxIdleConns = 4 * conns
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
