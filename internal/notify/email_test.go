package notify_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/db/dbtest"
	"github.com/sisterline/sisterline/internal/notify"
	"github.com/sisterline/sisterline/internal/web"
)

// smtpServer is a small SMTP submission server for tests: STARTTLS with its
// own certificate, AUTH PLAIN only after TLS, and a scripted answer to RCPT.
type smtpServer struct {
	ln     net.Listener
	tls    *tls.Config
	client *tls.Config // trusts the server's certificate
	noTLS  bool

	mu       sync.Mutex
	rcpt     []string // scripted RCPT answers ("550 5.1.1 no such user"); "" = accept
	mails    []smtpMail
	authUser string
	badAuth  bool // AUTH came before STARTTLS
}

type smtpMail struct {
	From string
	To   []string
	Data string
	TLS  bool
}

func newSMTPServer(t *testing.T, noTLS bool, rcpt ...string) *smtpServer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "smtp.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{
		ln: ln, noTLS: noTLS, rcpt: rcpt,
		tls:    &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12},
		client: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12},
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	t.Cleanup(func() { _ = ln.Close() })
	return s
}

func (s *smtpServer) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *smtpServer) serve(conn net.Conn) {
	defer conn.Close()
	tp := textproto.NewConn(conn)
	secure := false
	var cur smtpMail
	_ = tp.PrintfLine("220 smtp.test ESMTP")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.Fields(line + " x")[0])
		switch verb {
		case "EHLO", "HELO":
			lines := []string{"smtp.test"}
			if !s.noTLS && !secure {
				lines = append(lines, "STARTTLS")
			}
			if secure {
				lines = append(lines, "AUTH PLAIN")
			}
			lines = append(lines, "8BITMIME")
			for i, l := range lines {
				sep := "-"
				if i == len(lines)-1 {
					sep = " "
				}
				_ = tp.PrintfLine("250%s%s", sep, l)
			}
		case "STARTTLS":
			_ = tp.PrintfLine("220 go ahead")
			tc := tls.Server(conn, s.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, secure = tc, true
			tp = textproto.NewConn(tc)
		case "AUTH":
			s.mu.Lock()
			if !secure {
				s.badAuth = true
			}
			if f := strings.Fields(line); len(f) == 3 {
				raw, _ := base64.StdEncoding.DecodeString(f[2])
				parts := strings.Split(string(raw), "\x00")
				if len(parts) == 3 {
					s.authUser = parts[1]
				}
			}
			s.mu.Unlock()
			_ = tp.PrintfLine("235 2.7.0 accepted")
		case "MAIL":
			cur = smtpMail{From: addrOf(line), TLS: secure}
			_ = tp.PrintfLine("250 2.1.0 ok")
		case "RCPT":
			s.mu.Lock()
			answer := ""
			if len(s.rcpt) > 0 {
				answer, s.rcpt = s.rcpt[0], s.rcpt[1:]
			}
			s.mu.Unlock()
			if answer != "" {
				_ = tp.PrintfLine("%s", answer)
				continue
			}
			cur.To = append(cur.To, addrOf(line))
			_ = tp.PrintfLine("250 2.1.5 ok")
		case "DATA":
			_ = tp.PrintfLine("354 go on")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			cur.Data = string(data)
			s.mu.Lock()
			s.mails = append(s.mails, cur)
			s.mu.Unlock()
			_ = tp.PrintfLine("250 2.0.0 queued")
		case "RSET", "NOOP":
			_ = tp.PrintfLine("250 2.0.0 ok")
		case "QUIT":
			_ = tp.PrintfLine("221 2.0.0 bye")
			return
		default:
			_ = tp.PrintfLine("502 5.5.2 what")
		}
	}
}

func addrOf(line string) string {
	i, j := strings.Index(line, "<"), strings.Index(line, ">")
	if i < 0 || j < i {
		return ""
	}
	return line[i+1 : j]
}

func (s *smtpServer) Mails() []smtpMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]smtpMail(nil), s.mails...)
}

func withSMTP(s *smtpServer) func(*notify.Options) {
	return func(o *notify.Options) {
		o.SMTP = notify.SMTPConfig{Host: "127.0.0.1", Port: s.port(), User: "notices", Password: "pw", From: "notices@example.org", TLS: s.client}
	}
}

func TestEmailGoesOverSTARTTLSWithTheMessageIDAndANeutralSubject(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		srv := newSMTPServer(t, false)
		rc := newReceiver(t, "k")
		e := newEnv(t, d, withSMTP(srv), withWebhook(rc))
		ctx := context.Background()
		ann := e.addUser(t, e.org, web.RoleModerator, "ann", "en")
		if _, err := e.svc.AddAddress(ctx, e.principal(ann), notify.ChannelEmail, " Ann@Example.ORG ", nil); err != nil {
			t.Fatal(err)
		}
		e.send(t, notify.Message{Kind: notify.KindReportNew, OrgID: e.org, To: notify.ToMember(ann)})
		e.drain(t, e.svc)

		mails := srv.Mails()
		if len(mails) != 1 {
			t.Fatalf("server got %d mails", len(mails))
		}
		m := mails[0]
		if !m.TLS || srv.badAuth || srv.authUser != "notices" {
			t.Fatalf("tls %v, auth before tls %v, user %q", m.TLS, srv.badAuth, srv.authUser)
		}
		if m.From != "notices@example.org" || len(m.To) != 1 || m.To[0] != "ann@example.org" {
			t.Fatalf("envelope %s → %v", m.From, m.To)
		}
		id := strings.ToLower(rc.Accepted()[0].ID)
		for _, want := range []string{"Message-ID: <" + id + "@example.org>", "Subject: Notes", "You have a new notice from Notes."} {
			if !strings.Contains(m.Data, want) {
				t.Errorf("mail lacks %q:\n%s", want, m.Data)
			}
		}
		// Nothing about what the notice is about, nor the software.
		for _, leak := range []string{"report", "Report", "go-mail", "Sisterline"} {
			if strings.Contains(m.Data, leak) {
				t.Errorf("mail says %q:\n%s", leak, m.Data)
			}
		}
	})
}

func TestEmailIsNotSentWithoutSTARTTLS(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		srv := newSMTPServer(t, true)
		e := newEnv(t, d, withSMTP(srv))
		e.send(t, notify.Message{Kind: notify.KindCheckinBuddy, OrgID: e.org, To: notify.ToEmail("buddy@example.org")})
		e.drain(t, e.svc)
		if n := len(srv.Mails()); n != 0 {
			t.Fatalf("%d mails sent in the clear", n)
		}
		var code, state string
		if err := d.QueryRowContext(context.Background(), `SELECT last_error, state FROM notify_outbox`).Scan(&code, &state); err != nil {
			t.Fatal(err)
		}
		// Retried: the operator may fix the server.
		if code != "smtp_no_starttls" || state != "pending" {
			t.Fatalf("last_error %q, state %q", code, state)
		}
	})
}

func TestEmailRecipientRefusedFor550IsGivenUpAnd451IsRetried(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		srv := newSMTPServer(t, false, "550 5.1.1 no such user", "451 4.3.0 try again later")
		e := newEnv(t, d, withSMTP(srv))
		e.send(t, notify.Message{Kind: notify.KindCheckinBuddy, OrgID: e.org, To: notify.ToEmail("gone@example.org")})
		e.drain(t, e.svc)
		e.send(t, notify.Message{Kind: notify.KindCheckinBuddy, OrgID: e.org, To: notify.ToEmail("busy@example.org")})
		e.drain(t, e.svc)
		for range 3 {
			e.clock.Advance(10 * time.Second)
			e.drain(t, e.svc)
		}
		if st := e.states(t); st["email/failed"] != 1 || st["email/sent"] != 1 {
			t.Fatalf("states = %v", st)
		}
		mails := srv.Mails()
		if len(mails) != 1 || mails[0].To[0] != "busy@example.org" {
			t.Fatalf("mails = %+v", mails)
		}
		var code string
		var attempts int
		if err := d.QueryRowContext(context.Background(), `SELECT last_error, attempts FROM notify_outbox WHERE state = 'failed'`).Scan(&code, &attempts); err != nil {
			t.Fatal(err)
		}
		if code != "smtp_550" || attempts != 1 {
			t.Fatalf("failed with %q after %d attempts", code, attempts)
		}
	})
}
