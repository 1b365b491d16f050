// Command footprint measures what running Sisterline costs a small server
// and a member's phone: binary size, start time (exec to the first /healthz
// "ok", on a fresh and on an existing data directory), resident memory of
// `sisterline serve` idle and after requests, and the weight of the pages a
// member loads. It prints Markdown for docs/PERFORMANCE.md ("Foundation").
//
//	cd bench && go run ./cmd/footprint
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/sisterline/sisterline/bench/internal/harness"
	"github.com/sisterline/sisterline/bench/internal/stats"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "footprint:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("footprint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	repo := fs.String("repo", "..", "root of the sisterline module")
	starts := fs.Int("starts", 10, "starts to time on each kind of data directory (1 to 50)")
	requests := fs.Int("requests", 1000, "requests between the memory readings (1 to 10000)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *starts < 1 || *starts > 50 || *requests < 1 || *requests > 10000 {
		return errors.New("-starts wants 1 to 50, -requests 1 to 10000")
	}
	dir, err := os.MkdirTemp("", "sisterline-footprint-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	fmt.Fprintf(stdout, "Run %s, %s, %s/%s, %d CPUs, load average at the start %s. Command: `go run ./cmd/footprint %s`.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(),
		harness.LoadAverage(), strings.Join(args, " "))

	bin, err := binarySizes(ctx, stdout, stderr, *repo, dir)
	if err != nil {
		return err
	}
	if err := startTimes(ctx, stdout, stderr, bin, dir, *starts); err != nil {
		return err
	}
	if err := memory(ctx, stdout, stderr, bin, dir, *requests); err != nil {
		return err
	}
	if err := demoFigures(ctx, stdout, stderr, bin); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nLoad average at the end %s.\n", harness.LoadAverage())
	return nil
}

// binarySizes builds the release binary (stripped) and the same without
// stripping, prints both sizes and returns the stripped one's path.
func binarySizes(ctx context.Context, w, log io.Writer, repo, dir string) (string, error) {
	fmt.Fprintln(log, "building the binary, stripped and not")
	stripped, full := filepath.Join(dir, "sisterline"), filepath.Join(dir, "sisterline-full")
	if err := harness.Build(ctx, repo, stripped, true); err != nil {
		return "", err
	}
	if err := harness.Build(ctx, repo, full, false); err != nil {
		return "", err
	}
	fmt.Fprintln(w, "| binary (`CGO_ENABLED=0 go build -trimpath`) | size |")
	fmt.Fprintln(w, "|---|--:|")
	for _, b := range []struct{ name, path string }{{"`-ldflags='-s -w'` (stripped, as released)", stripped}, {"not stripped", full}} {
		fi, err := os.Stat(b.path)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(w, "| %s | %s |\n", b.name, mib(fi.Size()))
	}
	fmt.Fprintln(w)
	return stripped, nil
}

// startTimes times exec → /healthz "ok" of `serve`, n times on a new data
// directory each (key ring made, database created and migrated, content
// loaded) and n times on one that exists.
func startTimes(ctx context.Context, w, log io.Writer, bin, dir string, n int) error {
	fmt.Fprintf(log, "timing %d starts on fresh and %d on existing data directories\n", n, n)
	existing := filepath.Join(dir, "existing")
	if err := startOnce(ctx, bin, existing, nil, nil); err != nil {
		return err
	}
	var fresh, again, freshCPU, againCPU []time.Duration
	for i := range n {
		// Alternate the two kinds, so a change in the machine's load
		// falls on both alike.
		if err := startOnce(ctx, bin, filepath.Join(dir, fmt.Sprintf("fresh-%d", i)), &fresh, &freshCPU); err != nil {
			return err
		}
		if err := startOnce(ctx, bin, existing, &again, &againCPU); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "| `sisterline serve`, exec to the first `/healthz` \"ok\" (%d starts each) | median | min | max | server CPU time by then (median) |\n", n)
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|")
	for _, r := range []struct {
		name    string
		ds, cpu []time.Duration
	}{{"fresh data directory (key ring, new database, all migrations, content)", fresh, freshCPU}, {"existing data directory", again, againCPU}} {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", r.name, stats.Dur(stats.MedianValue(r.ds)), stats.Dur(minOf(r.ds)), stats.Dur(maxOf(r.ds)), stats.Dur(stats.MedianValue(r.cpu)))
	}
	fmt.Fprintln(w)
	return nil
}

func startOnce(ctx context.Context, bin, dataDir string, took, cpu *[]time.Duration) error {
	s, err := harness.StartServe(ctx, bin, dataDir)
	if err != nil {
		return err
	}
	c, err := harness.CPU(s.PID)
	if err != nil {
		_ = s.Stop()
		return err
	}
	if took != nil {
		*took = append(*took, s.Started)
		*cpu = append(*cpu, c)
	}
	return s.Stop()
}

// memory reads the resident memory of `serve` with one admin: after start,
// after signed-out page requests, after one sign-in (an argon2id hash needs
// 64 MiB), and after signed-in page requests.
func memory(ctx context.Context, w, log io.Writer, bin, dir string, n int) error {
	fmt.Fprintln(log, "measuring memory of serve")
	data := filepath.Join(dir, "memory")
	pass := "footprint-" + fmt.Sprint(time.Now().UnixNano())
	cmd := exec.CommandContext(ctx, bin, "bootstrap", "--data-dir", data, "--org-name", "Bench", "--org-slug", "bench", "--admin", "admin1") // #nosec G204 -- our own binary
	cmd.Stdin = strings.NewReader(pass + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("bootstrap: %w\n%s", err, out)
	}
	s, err := harness.StartServe(ctx, bin, data)
	if err != nil {
		return err
	}
	defer stop(log, s)
	c, err := harness.NewClient(4, 10*time.Second)
	if err != nil {
		return err
	}
	type reading struct {
		when string
		m    harness.Memory
	}
	var rs []reading
	read := func(when string) error {
		// Let the request goroutines end and the GC settle a little; the
		// figure is what the kernel holds for the process, not the Go heap.
		time.Sleep(2 * time.Second)
		m, err := harness.ReadMemory(s.PID)
		rs = append(rs, reading{when, m})
		return err
	}
	many := func(path, cookie string) error {
		for range n {
			st, _, err := harness.Get(ctx, c, s.URL, path, cookie)
			if err != nil {
				return err
			}
			if st != http.StatusOK {
				return fmt.Errorf("GET %s: status %d", path, st)
			}
		}
		return nil
	}
	if err := read("after start"); err != nil {
		return err
	}
	if err := many("/signin", ""); err != nil {
		return err
	}
	if err := read(fmt.Sprintf("after %d × `GET /signin`", n)); err != nil {
		return err
	}
	cookie, err := harness.SessionCookie(ctx, c, s.URL, "admin1", pass)
	if err != nil {
		return err
	}
	if err := read("after one sign-in (one argon2id hash)"); err != nil {
		return err
	}
	if err := many("/", cookie); err != nil {
		return err
	}
	if err := read(fmt.Sprintf("then %d × `GET /` signed in", n)); err != nil {
		return err
	}
	fmt.Fprintln(w, "| `sisterline serve`, SQLite, one organisation and its admin | VmRSS | VmHWM (peak so far) |")
	fmt.Fprintln(w, "|---|--:|--:|")
	for _, r := range rs {
		fmt.Fprintf(w, "| %s | %s | %s |\n", r.when, mib(r.m.RSS), mib(r.m.Peak))
	}
	fmt.Fprintln(w)
	return nil
}

// demoFigures starts the demo network and measures sign-ins and page
// weights on it.
func demoFigures(ctx context.Context, w, log io.Writer, bin string) error {
	s, err := harness.StartDemo(ctx, bin)
	if err != nil {
		return err
	}
	defer stop(log, s)
	// Many source addresses, so the per-address sign-in limit (20 at once)
	// stays out of the way; the per-account one (10) bounds the counts.
	c, err := harness.NewClient(64, 30*time.Second)
	if err != nil {
		return err
	}
	if err := signIns(ctx, w, log, s, c); err != nil {
		return err
	}
	return pageWeights(ctx, w, log, s, c)
}

// signIns times API sign-ins of the demo accounts, one, two and four at a
// time: each verifies an argon2id hash (64 MiB, t=2), so throughput is
// bound by the cores and peak memory by how many run at once.
func signIns(ctx context.Context, w, log io.Writer, s *harness.Server, c *http.Client) error {
	fmt.Fprintln(log, "timing sign-ins")
	fmt.Fprintln(w, "| API sign-ins (`POST /api/v1/session`), demo accounts | sign-ins | wall time | sign-ins/s | server CPU per sign-in | server VmHWM after |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|")
	// Each account may sign in 10 times at once before its limit bites:
	// 1 + 2 + 4 = 7 each here.
	for _, conc := range []int{1, 2, 4} {
		var jobs []harness.Login
		for range conc {
			jobs = append(jobs, s.Logins...)
		}
		cpu0, err := harness.CPU(s.PID)
		if err != nil {
			return err
		}
		began := time.Now()
		errc := make(chan error, len(jobs))
		next := make(chan harness.Login)
		for range conc {
			go func() {
				for l := range next {
					_, err := harness.Token(ctx, c, s.URL, l.Handle, l.Passphrase)
					errc <- err
				}
			}()
		}
		for _, l := range jobs {
			next <- l
		}
		close(next)
		for range jobs {
			if err := <-errc; err != nil {
				return err
			}
		}
		wall := time.Since(began)
		cpu1, err := harness.CPU(s.PID)
		if err != nil {
			return err
		}
		m, err := harness.ReadMemory(s.PID)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "| %d at a time | %d | %s | %.1f | %s | %s |\n", conc, len(jobs), stats.Dur(wall),
			float64(len(jobs))/wall.Seconds(), stats.Dur((cpu1-cpu0)/time.Duration(len(jobs))), mib(m.Peak))
	}
	fmt.Fprintln(w)
	return nil
}

// pageWeights fetches what a member's phone loads from the demo network:
// the sign-in page, her home page, and the assets they link. Sisterline
// sends them uncompressed; the gzip column is what a proxy compressing at
// gzip's default level would send.
func pageWeights(ctx context.Context, w, log io.Writer, s *harness.Server, c *http.Client) error {
	fmt.Fprintln(log, "weighing pages")
	member, err := s.Login("member", 0)
	if err != nil {
		return err
	}
	cookie, err := harness.SessionCookie(ctx, c, s.URL, member.Handle, member.Passphrase)
	if err != nil {
		return err
	}
	_, signin, err := harness.Get(ctx, c, s.URL, "/signin", "")
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "| what a member's phone loads (demo network, Chinese) | bytes | gzip bytes |")
	fmt.Fprintln(w, "|---|--:|--:|")
	for _, p := range []struct{ name, path, cookie string }{
		{"`/signin` signed out", "/signin", ""},
		{"`/` signed in as a member", "/", cookie},
		{"style.css", "style.css", ""},
		{"exit.js (quick exit)", "exit.js", ""},
		{"icon.svg", "icon.svg", ""},
	} {
		path := p.path
		if !strings.HasPrefix(path, "/") {
			if path, err = harness.AssetPath(signin, p.path); err != nil {
				return err
			}
		}
		st, body, err := harness.Get(ctx, c, s.URL, path, p.cookie)
		if err != nil {
			return err
		}
		if st != http.StatusOK {
			return fmt.Errorf("GET %s: status %d", path, st)
		}
		fmt.Fprintf(w, "| %s | %d | %d |\n", p.name, len(body), gzipped(body))
	}
	return nil
}

// stop stops a server, saying so when it did not stop cleanly.
func stop(log io.Writer, s *harness.Server) {
	if err := s.Stop(); err != nil {
		fmt.Fprintln(log, "footprint: stop server:", err)
	}
}

func gzipped(b []byte) int {
	var buf bytes.Buffer
	z := gzip.NewWriter(&buf)
	_, _ = z.Write(b)
	_ = z.Close()
	return buf.Len()
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func minOf(ds []time.Duration) time.Duration {
	m := ds[0]
	for _, d := range ds {
		m = min(m, d)
	}
	return m
}

func maxOf(ds []time.Duration) time.Duration {
	m := ds[0]
	for _, d := range ds {
		m = max(m, d)
	}
	return m
}
