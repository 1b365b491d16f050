// Package harness starts a Sisterline server for the measuring commands —
// the built binary as a process of its own, or the app inside the harness's
// process — and reads what the kernel says the server costs (CPU time,
// resident memory). It only ever talks to loopback addresses.
package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/sisterline/sisterline/internal/app"
	"github.com/sisterline/sisterline/internal/config"
)

// Login is one demo account, as `sisterline demo` prints it.
type Login struct{ Handle, Passphrase, Role, Org string }

// Server is a running Sisterline.
type Server struct {
	// URL is http://127.0.0.1:PORT.
	URL    string
	Logins []Login
	// PID is the process whose CPU time and memory are the server's (the
	// harness's own in process mode, where they include the load generator).
	PID int
	// Started is how long it took from exec to the first /healthz "ok".
	Started time.Duration

	stop    func() error
	cleanup []func()
}

// Build compiles cmd/sisterline of the module at repo into out, without cgo
// and with -trimpath, the way a release is built; strip drops the symbol
// table and DWARF (-ldflags='-s -w').
func Build(ctx context.Context, repo, out string, strip bool) error {
	args := []string{"build", "-trimpath"}
	if strip {
		args = append(args, "-ldflags=-s -w")
	}
	args = append(args, "-o", out, "./cmd/sisterline")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("harness: go %s: %w\n%s", strings.Join(args, " "), err, b)
	}
	return nil
}

// StartDemo runs `BIN demo --addr 127.0.0.1:0 EXTRA...` and waits until it
// answers /healthz; the logins are parsed from its standard output.
func StartDemo(ctx context.Context, bin string, extra ...string) (*Server, error) {
	return start(ctx, bin, "demo", "Sisterline demo: ", extra)
}

// StartServe runs `BIN serve --addr 127.0.0.1:0 --data-dir DIR EXTRA...` and
// waits until it answers /healthz.
func StartServe(ctx context.Context, bin, dataDir string, extra ...string) (*Server, error) {
	return start(ctx, bin, "serve", "listening on ", append([]string{"--data-dir", dataDir}, extra...))
}

func start(ctx context.Context, bin, sub, addrPrefix string, extra []string) (*Server, error) {
	args := append([]string{sub, "--addr", "127.0.0.1:0", "--log-level", "warn"}, extra...)
	began := time.Now()
	// Not CommandContext: the caller stops the server with Stop, gracefully.
	cmd := exec.Command(bin, args...) // #nosec G204 -- the harness runs the binary it was given
	// Should the harness die without stopping it, the server goes too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	var (
		stderr tail
		mu     sync.Mutex
		lines  []string
		urlc   = make(chan string, 1)
	)
	cmd.Stderr = &stderr
	// A writer rather than StdoutPipe: Wait then finishes the copying
	// itself, so nothing reads a pipe that Wait has closed.
	cmd.Stdout = &lineWriter{line: func(line string) {
		if u, ok := strings.CutPrefix(line, addrPrefix); ok {
			urlc <- strings.TrimSpace(u)
			return
		}
		mu.Lock()
		lines = append(lines, line)
		mu.Unlock()
	}}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("harness: start %s: %w", sub, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	s := &Server{PID: cmd.Process.Pid}
	s.stop = func() error {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			return err
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			return errors.New("harness: server did not stop within 15 s; killed")
		}
	}

	fail := func(err error) (*Server, error) {
		_ = s.stop()
		return nil, fmt.Errorf("%w\n%s", err, stderr.String())
	}
	deadline := time.NewTimer(2 * time.Minute)
	defer deadline.Stop()
	select {
	case s.URL = <-urlc:
	case err := <-exited:
		return nil, fmt.Errorf("harness: %s exited before listening: %v\n%s", sub, err, stderr.String())
	case <-deadline.C:
		return fail(fmt.Errorf("harness: %s printed no address in 2 minutes", sub))
	case <-ctx.Done():
		return fail(ctx.Err())
	}
	if err := CheckLoopback(s.URL); err != nil {
		return fail(err)
	}
	if err := waitHealthy(ctx, s.URL, 2*time.Minute); err != nil {
		return fail(err)
	}
	s.Started = time.Since(began)
	// demo prints every login before it serves, so by now they are all in
	// the pipe; give the reader a moment to take them out.
	for n := -1; ; {
		time.Sleep(50 * time.Millisecond)
		mu.Lock()
		m := len(lines)
		mu.Unlock()
		if m == n {
			break
		}
		n = m
	}
	mu.Lock()
	defer mu.Unlock()
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) == 5 && f[0] == "login:" {
			s.Logins = append(s.Logins, Login{Handle: f[1], Passphrase: f[2], Role: f[3], Org: f[4]})
		}
	}
	return s, nil
}

// StartInProcess runs the app inside this process on a fresh data
// directory with the demo network, with the per-address limit off. The
// server shares the Go runtime with the load generator, so its CPU time and
// memory cannot be told apart from the harness's.
func StartInProcess(ctx context.Context, screenPerHour int) (*Server, error) {
	dir, err := os.MkdirTemp("", "sisterline-bench-")
	if err != nil {
		return nil, fmt.Errorf("harness: %w", err)
	}
	cfg := config.Default()
	cfg.DataDir, cfg.Addr, cfg.LogLevel, cfg.ScreenPerHour = dir, "127.0.0.1:0", "warn", screenPerHour
	began := time.Now()
	actx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	fail := func(err error) (*Server, error) {
		cancel()
		_ = os.RemoveAll(dir)
		return nil, err
	}
	a, err := app.New(actx, cfg, app.Options{NoAddressLimit: true, LogOutput: os.Stderr})
	if err != nil {
		return fail(err)
	}
	logins, err := a.Seed(actx)
	if err != nil {
		_ = a.Close()
		return fail(err)
	}
	addr, err := a.Listen()
	if err != nil {
		_ = a.Close()
		return fail(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(actx) }()
	s := &Server{URL: "http://" + addr, PID: os.Getpid()}
	s.stop = func() error {
		cancel()
		err := <-done
		_ = a.Close()
		_ = os.RemoveAll(dir)
		return err
	}
	if err := waitHealthy(ctx, s.URL, time.Minute); err != nil {
		_ = s.stop()
		return nil, err
	}
	s.Started = time.Since(began)
	for _, l := range logins {
		s.Logins = append(s.Logins, Login{Handle: l.Handle, Passphrase: l.Passphrase, Role: string(l.Role), Org: l.Org})
	}
	return s, nil
}

// Stop stops the server gracefully (SIGTERM for a process), then runs what
// OnStop added.
func (s *Server) Stop() error {
	err := s.stop()
	for _, f := range s.cleanup {
		f()
	}
	return err
}

// OnStop adds f to what Stop does after the server has stopped.
func (s *Server) OnStop(f func()) { s.cleanup = append(s.cleanup, f) }

// Login returns the first demo login with the role, in the n-th
// organisation that appears in the list (0 or 1).
func (s *Server) Login(role string, org int) (Login, error) {
	var orgs []string
	for _, l := range s.Logins {
		i := indexOf(orgs, l.Org)
		if i < 0 {
			orgs = append(orgs, l.Org)
			i = len(orgs) - 1
		}
		if i == org && l.Role == role {
			return l, nil
		}
	}
	return Login{}, fmt.Errorf("harness: no demo login %s in organisation %d", role, org)
}

func indexOf(xs []string, x string) int {
	for i, y := range xs {
		if y == x {
			return i
		}
	}
	return -1
}

// waitHealthy polls GET /healthz every millisecond until it answers 200 "ok".
func waitHealthy(ctx context.Context, base string, timeout time.Duration) error {
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	deadline := time.Now().Add(timeout)
	for {
		req, err := http.NewRequestWithContext(ctx, "GET", base+"/healthz", nil)
		if err != nil {
			return fmt.Errorf("harness: %w", err)
		}
		if resp, err := c.Do(req); err == nil {
			b, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK && string(b) == "ok" {
				return nil
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("harness: %s/healthz not ok within %s", base, timeout)
		}
		time.Sleep(time.Millisecond)
	}
}

// clockTick is the unit of utime and stime in /proc/PID/stat: USER_HZ,
// which Linux fixes at 100 for user space on every architecture Go runs on.
const clockTick = 10 * time.Millisecond

// CPU returns the CPU time (user + system) the process has used so far.
func CPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, fmt.Errorf("harness: cpu: %w", err)
	}
	return parseStatCPU(string(b))
}

// parseStatCPU reads utime and stime (fields 14 and 15) from a
// /proc/PID/stat line; the command name (field 2) may hold spaces and
// parentheses, so fields are counted after its last ")".
func parseStatCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("harness: cpu: malformed stat")
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state), so field n is f[n-3].
	if len(f) < 13 {
		return 0, errors.New("harness: cpu: short stat")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("harness: cpu: %w", err)
	}
	return time.Duration(ut+st) * clockTick, nil
}

// CommandCPU returns the CPU time of every process whose command name is
// name (as /proc/PID/comm gives it: "postgres" for all of PostgreSQL's), so
// a harness can count a database server's work beside the app's. Processes
// that end between the listing and the reading are left out.
func CommandCPU(name string) (time.Duration, error) {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return 0, fmt.Errorf("harness: %w", err)
	}
	var total time.Duration
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(filepath.Join("/proc", d.Name(), "comm")) // #nosec G304 -- a /proc path
		if err != nil || strings.TrimSpace(string(comm)) != name {
			continue
		}
		if cpu, err := CPU(pid); err == nil {
			total += cpu
		}
	}
	return total, nil
}

// Memory is what /proc/PID/status says about a process's memory, in bytes.
type Memory struct {
	RSS  int64 // VmRSS: resident now
	Peak int64 // VmHWM: the most it has been resident
}

// ReadMemory reads VmRSS and VmHWM of the process.
func ReadMemory(pid int) (Memory, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return Memory{}, fmt.Errorf("harness: memory: %w", err)
	}
	return parseStatus(string(b))
}

func parseStatus(status string) (Memory, error) {
	var m Memory
	for line := range strings.Lines(status) {
		k, v, ok := strings.Cut(line, ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			return Memory{}, fmt.Errorf("harness: memory: odd %s line %q", k, line)
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return Memory{}, fmt.Errorf("harness: memory: %w", err)
		}
		if k == "VmRSS" {
			m.RSS = n << 10
		} else {
			m.Peak = n << 10
		}
	}
	if m.RSS == 0 {
		return Memory{}, errors.New("harness: memory: no VmRSS")
	}
	return m, nil
}

// LoadAverage returns the first three fields of /proc/loadavg, so a figure
// can say how busy the shared machine was when it was taken.
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// lineWriter calls line for every complete line written to it.
type lineWriter struct {
	buf  []byte
	line func(string)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.line(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
}

// tail keeps the last 8 KiB written to it: the server's stderr, shown when
// it fails to start.
type tail struct {
	mu sync.Mutex
	b  []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > 8<<10 {
		t.b = t.b[len(t.b)-8<<10:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
