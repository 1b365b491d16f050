package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDemoPrintsAddressAndOneLoginPerUserInTheContractFormat(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"demo", "--addr", "127.0.0.1:0"}, strings.NewReader(""), pw, io.Discard, env(nil))
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	if !sc.Scan() {
		t.Fatal("no output")
	}
	m := regexp.MustCompile(`^Sisterline demo: (http://127\.0\.0\.1:\d+)$`).FindStringSubmatch(sc.Text())
	if m == nil {
		t.Fatalf("first line %q", sc.Text())
	}
	login := regexp.MustCompile(`^login: (\S+) (\S+) (member|outreach|moderator|admin) (\S+)$`)
	roles := map[string]int{}
	orgs := map[string]bool{}
	for len(roles) < 4 || roles["member"] < 2 {
		if !sc.Scan() {
			t.Fatal("output ended early")
		}
		l := login.FindStringSubmatch(sc.Text())
		if l == nil {
			t.Fatalf("login line %q does not match the contract", sc.Text())
		}
		roles[l[3]]++
		orgs[l[4]] = true
	}
	if len(orgs) != 2 {
		t.Fatalf("demo organisations: %v", orgs)
	}
	// Keep reading what the demo prints, or its writes would block.
	go io.Copy(io.Discard, pr)
	resp, err := http.Get(m[1] + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "ok" {
		t.Fatalf("healthz %q", body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("demo did not stop on cancel")
	}
}

func TestBootstrapReadsPassphraseFromStdinAndRefusesAnExistingHandle(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	args := []string{"bootstrap", "--data-dir", dir, "--org-name", "Org", "--org-slug", "org", "--admin", "first"}
	var out bytes.Buffer
	if err := run(ctx, args, strings.NewReader("a long admin passphrase\n"), &out, io.Discard, env(nil)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "first") {
		t.Fatalf("output %q", out.String())
	}
	err := run(ctx, args, strings.NewReader("another long passphrase\n"), io.Discard, io.Discard, env(nil))
	if err == nil || !strings.Contains(err.Error(), "handle") {
		t.Fatalf("second bootstrap: %v", err)
	}
	if err := run(ctx, []string{"bootstrap", "--data-dir", dir}, strings.NewReader("x\n"), io.Discard, io.Discard, env(nil)); err == nil {
		t.Fatal("bootstrap without flags succeeded")
	}
}

func TestFlagsReadTheEnvironment(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, nil, &out, io.Discard, env(map[string]string{"SISTERLINE_DATA_DIR": dir})); err != nil {
		t.Fatal(err)
	}
	if _, err := filepath.Glob(filepath.Join(dir, "sisterline.db")); err != nil || !strings.Contains(out.String(), "migrated") {
		t.Fatalf("migrate: %q %v", out.String(), err)
	}
}

func TestBackupAndRestoreThroughTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	pass := "a long admin passphrase\n"
	if err := run(ctx, []string{"bootstrap", "--data-dir", dir, "--org-name", "Org", "--org-slug", "org", "--admin", "first"}, strings.NewReader(pass), io.Discard, io.Discard, env(nil)); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "b.age")
	if err := run(ctx, []string{"backup", "--data-dir", dir, "--out", file}, strings.NewReader("backup passphrase 123\n"), io.Discard, io.Discard, env(nil)); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"restore", "--data-dir", dir, "--in", file}, strings.NewReader("wrong passphrase 1234\n"), io.Discard, io.Discard, env(nil)); err == nil {
		t.Fatal("restored with a wrong passphrase")
	}
	if err := run(ctx, []string{"restore", "--data-dir", dir, "--in", file}, strings.NewReader("backup passphrase 123\n"), io.Discard, io.Discard, env(nil)); err != nil {
		t.Fatal(err)
	}
	// The restored database still refuses the same handle: the admin is in it.
	err := run(ctx, []string{"bootstrap", "--data-dir", dir, "--org-name", "Org", "--org-slug", "org", "--admin", "first"}, strings.NewReader(pass), io.Discard, io.Discard, env(nil))
	if err == nil {
		t.Fatal("the restored database lost the admin")
	}
}

func TestUnknownCommandFails(t *testing.T) {
	if err := run(context.Background(), []string{"fly"}, nil, io.Discard, io.Discard, env(nil)); err == nil {
		t.Fatal("unknown command succeeded")
	}
}
