// Command sisterline runs the Sisterline server and its maintenance tasks:
// serve, demo, bootstrap, migrate and keys. Flags also read SISTERLINE_*
// environment variables; see the README.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/sisterline/sisterline/internal/app"
	"github.com/sisterline/sisterline/internal/config"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/seal"
)

const usage = `usage: sisterline COMMAND [flags]

commands:
  serve       run the server
  demo        run the server on a fresh demo network and print its logins
  bootstrap   create the first organisation and its admin (passphrase on stdin)
  migrate     apply database migrations and exit
  backup      write an encrypted backup of the SQLite database (passphrase on stdin)
  restore     restore an encrypted backup (passphrase on stdin; server stopped)
  keys rotate add a new field-encryption key; serve re-seals old rows
  keys status show the keys in the ring

Run "sisterline COMMAND -h" for the flags of a command.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sisterline:", err)
		os.Exit(1)
	}
}

// run is main without the process: tests call it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cmd, args := args[0], args[1:]
	cfg := config.Default()
	fs := cfg.FlagSet(cmd)
	var (
		orgName, orgSlug, admin string
		outFile, inFile         string
	)
	switch cmd {
	case "serve", "demo", "migrate":
	case "bootstrap":
		fs.StringVar(&orgName, "org-name", "", "name of the first organisation")
		fs.StringVar(&orgSlug, "org-slug", "", "short name of the first organisation (a-z, 0-9, -)")
		fs.StringVar(&admin, "admin", "", "handle of the first admin")
	case "backup":
		fs.StringVar(&outFile, "out", "", "file to write the encrypted backup to")
	case "restore":
		fs.StringVar(&inFile, "in", "", "encrypted backup to restore")
	case "keys":
		if len(args) == 0 {
			return errors.New("keys: say rotate or status")
		}
		cmd, args = "keys "+args[0], args[1:]
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
	if err := config.Parse(fs, args, getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.PrintDefaults()
		}
		return err
	}
	switch cmd {
	case "serve":
		return serve(ctx, cfg, stdout, stderr)
	case "demo":
		return demo(ctx, cfg, stdout, stderr)
	case "migrate":
		d, err := db.Open(ctx, cfg.DB, cfg.DataDir)
		if err != nil {
			return err
		}
		defer d.Close()
		if err := d.Migrate(ctx); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "migrated")
		return nil
	case "bootstrap":
		if orgName == "" || orgSlug == "" || admin == "" {
			return errors.New("bootstrap needs --org-name, --org-slug and --admin")
		}
		pass, err := readPassphrase(stdin)
		if err != nil {
			return err
		}
		a, err := app.New(ctx, cfg, app.Options{})
		if err != nil {
			return err
		}
		defer a.Close()
		u, err := a.Accounts.Bootstrap(ctx, orgName, orgSlug, admin, pass, cfg.Lang)
		if err != nil {
			return explain(a, cfg.Lang, err)
		}
		fmt.Fprintf(stdout, "created organisation %s and admin %s\n", orgSlug, u.Handle)
		return nil
	case "backup":
		return runBackup(ctx, cfg, outFile, stdin, stdout)
	case "restore":
		return runRestore(cfg, inFile, stdin, stdout)
	case "keys rotate":
		k, err := seal.LoadOrCreate(cfg.DataDir)
		if err != nil {
			return err
		}
		id, err := k.Rotate()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "key %d is now active; the server re-seals older values in the background\n", id)
		return nil
	case "keys status":
		k, err := seal.LoadOrCreate(cfg.DataDir)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "keys: %v, active: %d\n", k.KeyIDs(), k.Active())
		return nil
	}
	return nil
}

func readPassphrase(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read passphrase: %w", err)
	}
	pass := strings.TrimRight(line, "\r\n")
	if pass == "" {
		return "", errors.New("give the admin passphrase on standard input")
	}
	return pass, nil
}

func serve(ctx context.Context, cfg config.Config, stdout, stderr io.Writer) error {
	a, err := app.New(ctx, cfg, app.Options{LogOutput: stderr})
	if err != nil {
		return err
	}
	defer a.Close()
	addr, err := a.Listen()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "listening on http://%s\n", addr)
	return a.Serve(ctx)
}
