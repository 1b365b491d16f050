package notify_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/db/dbtest"
	"github.com/sisterline/sisterline/internal/notify"
	"github.com/sisterline/sisterline/internal/seal"
	"github.com/sisterline/sisterline/internal/web"
)

// restartReceiver is the webhook receiver of the restart test. While hang
// is set it takes each request and never answers (the sender is killed
// meanwhile); after that it accepts, and counts what it accepted by id.
type restartReceiver struct {
	mu       sync.Mutex
	hang     bool
	arrived  int
	accepted map[string]int
	badSig   int
}

func (rr *restartReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var p notify.WebhookPayload
	_ = json.Unmarshal(body, &p)
	rr.mu.Lock()
	rr.arrived++
	hang := rr.hang
	if !hmac.Equal([]byte(r.Header.Get(notify.SignatureHeader)), []byte(notify.Sign([]byte("restart"), body))) {
		rr.badSig++
	}
	rr.mu.Unlock()
	if hang {
		<-r.Context().Done()
		return
	}
	rr.mu.Lock()
	rr.accepted[p.ID]++
	rr.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (rr *restartReceiver) counts() (arrived, distinct, total int) {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	for _, n := range rr.accepted {
		total += n
	}
	return rr.arrived, len(rr.accepted), total
}

// TestRestartSendsWhatWasLeftEachExactlyOnce runs the real binary: messages
// are enqueued while no server runs; a first server claims them and is
// killed (SIGKILL) while its requests hang; a second server sends each
// message exactly once to a receiver that records ids.
func TestRestartSendsWhatWasLeftEachExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "sisterline")
	build := exec.Command("go", "build", "-o", bin, "github.com/sisterline/sisterline/cmd/sisterline")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	t.Run("sqlite", func(t *testing.T) { restart(t, bin, "") })
	t.Run("postgres", func(t *testing.T) {
		dsn := dbtest.PostgresDSN(t)
		if dsn == "" {
			t.Skip("SISTERLINE_TEST_POSTGRES not set")
		}
		schema := "t_" + strings.ToLower(db.NewID())
		admin, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE") })
		restart(t, bin, dbtest.WithSchema(dsn, schema))
	})
}

func restart(t *testing.T, bin, dsn string) {
	ctx := context.Background()
	dataDir := t.TempDir()
	rr := &restartReceiver{hang: true, accepted: map[string]int{}}
	srv := httptest.NewServer(rr)
	defer srv.Close()

	// While no server runs: migrate, and enqueue as another process would.
	const n = 20
	keys, err := seal.LoadOrCreate(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(ctx, dsn, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	e := &env{d: d}
	org := e.addOrg(t)
	cat, err := web.NewCatalog(discardLog(), web.FrameFS(), notify.Files())
	if err != nil {
		t.Fatal(err)
	}
	opt := notify.DefaultOptions()
	opt.WebhookURL, opt.WebhookSecret = srv.URL, "restart"
	svc, err := notify.New(ctx, d, keys, &directory{}, cat, opt, time.Now, discardLog())
	if err != nil {
		t.Fatal(err)
	}
	msgs := make([]notify.Message, n)
	for i := range msgs {
		msgs[i] = notify.Message{Kind: notify.KindCheckinBuddy, OrgID: org, To: notify.ToPhone(fmt.Sprintf("+86139%08d", i))}
	}
	if err := svc.Send(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	_ = d.Close()

	serve := func() (*exec.Cmd, *bytes.Buffer) {
		args := []string{"serve", "--data-dir", dataDir, "--addr", "127.0.0.1:0", "--lang", "en",
			"--notify-webhook", srv.URL, "--notify-webhook-secret", "restart", "--notify-send-timeout", "500ms"}
		if dsn != "" {
			args = append(args, "--db", dsn)
		}
		cmd := exec.Command(bin, args...)
		var logs bytes.Buffer
		cmd.Stderr = &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &logs
	}

	// The first server claims everything and is killed mid-send.
	first, _ := serve()
	waitUntil(t, 60*time.Second, func() bool { arrived, _, _ := rr.counts(); return arrived == n })
	if err := first.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	rr.mu.Lock()
	rr.hang = false
	rr.mu.Unlock()

	// The second sends each message once, when the first one's lease ends.
	second, logs := serve()
	defer func() {
		_ = second.Process.Kill()
		_ = second.Wait()
	}()
	waitUntil(t, 60*time.Second, func() bool { _, distinct, _ := rr.counts(); return distinct == n })
	// Let it run on a while: nothing may go out twice.
	time.Sleep(2 * time.Second)
	_, distinct, total := rr.counts()
	if distinct != n || total != n || rr.badSig != 0 {
		t.Fatalf("accepted %d messages in %d deliveries (bad signatures %d); want each of %d once", distinct, total, rr.badSig, n)
	}
	// Stop it before reading its log: the process writes it until then.
	_ = second.Process.Kill()
	_ = second.Wait()
	if strings.Contains(logs.String(), "+86139") {
		t.Fatal("the server logged a phone number")
	}
}

func waitUntil(t *testing.T, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
