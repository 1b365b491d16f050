package account_test

import (
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/account"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/db/dbtest"
	"github.com/sisterline/sisterline/internal/web"
)

// auditLog appends n entries for org, a second apart, and returns the log.
func auditLog(t *testing.T, d *db.DB, clk *clock, org string, n int) *account.Audit {
	t.Helper()
	a := account.NewAudit(d, clk.Now)
	for i := range n {
		clk.Advance(time.Second)
		if err := a.Record(t.Context(), org, "actor-"+org, "report.read", "report", "r"+string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// seqs returns the seqs of org's entries, oldest first.
func seqs(t *testing.T, a *account.Audit, org string) []int64 {
	t.Helper()
	es, err := a.List(t.Context(), org, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int64, len(es))
	for i, e := range es {
		out[len(es)-1-i] = e.Seq
	}
	return out
}

func verify(t *testing.T, a *account.Audit, org string) int64 {
	t.Helper()
	broken, err := a.Verify(t.Context(), org)
	if err != nil {
		t.Fatal(err)
	}
	return broken
}

// withoutTriggers runs stmt with the append-only triggers out of the way, as
// someone with the database file or the owner's password could.
func withoutTriggers(t *testing.T, d *db.DB, stmt string, args ...any) {
	t.Helper()
	ctx := t.Context()
	if d.Dialect == db.Postgres {
		if _, err := d.ExecContext(ctx, `ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change`); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if _, err := d.ExecContext(ctx, `ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change`); err != nil {
				t.Fatal(err)
			}
		}()
	} else {
		for _, tr := range []string{"audit_log_no_update", "audit_log_no_delete"} {
			if _, err := d.ExecContext(ctx, `DROP TRIGGER `+tr); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := d.ExecContext(ctx, stmt, args...); err != nil {
		t.Fatalf("tamper: %v", err)
	}
}

func TestAuditChainVerifiesWhole(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		clk := newClock()
		a := auditLog(t, d, clk, "org-a", 5)
		auditLog(t, d, clk, "org-b", 3)
		if b := verify(t, a, "org-a"); b != 0 {
			t.Fatalf("untouched chain broken at %d", b)
		}
		if b := verify(t, a, "org-b"); b != 0 {
			t.Fatalf("untouched chain broken at %d", b)
		}
		if b := verify(t, a, "no-such-org"); b != 0 {
			t.Fatalf("empty chain broken at %d", b)
		}
		es, err := a.List(t.Context(), "org-a", 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 5 || es[0].ObjectID != "re" || es[4].ObjectID != "ra" {
			t.Fatalf("list = %+v, want 5 entries newest first", es)
		}
		if !es[0].At.Equal(db.Time(clk.Now().Add(-3 * time.Second))) {
			t.Fatalf("newest at %v", es[0].At)
		}
		older, err := a.List(t.Context(), "org-a", es[1].Seq, 100)
		if err != nil || len(older) != 3 || older[0].Seq != es[2].Seq {
			t.Fatalf("page before %d = %+v, %v", es[1].Seq, older, err)
		}
	})
}

func TestAuditChainShowsAnEditedRow(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		clk := newClock()
		a := auditLog(t, d, clk, "org-a", 5)
		auditLog(t, d, clk, "org-b", 2)
		s := seqs(t, a, "org-a")
		withoutTriggers(t, d, `UPDATE audit_log SET object_id = 'someone-else' WHERE seq = $1`, s[2])
		if b := verify(t, a, "org-a"); b != s[2] {
			t.Fatalf("Verify = %d, want the edited row %d", b, s[2])
		}
		if b := verify(t, a, "org-b"); b != 0 {
			t.Fatalf("another organisation's chain broken at %d", b)
		}
	})
}

func TestAuditChainShowsAnEditedTime(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		clk := newClock()
		a := auditLog(t, d, clk, "org-a", 3)
		s := seqs(t, a, "org-a")
		withoutTriggers(t, d, `UPDATE audit_log SET at = $1 WHERE seq = $2`, db.Time(clk.Now().Add(-time.Hour)), s[1])
		if b := verify(t, a, "org-a"); b != s[1] {
			t.Fatalf("Verify = %d, want %d", b, s[1])
		}
	})
}

func TestAuditChainShowsADeletedRow(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		clk := newClock()
		a := auditLog(t, d, clk, "org-a", 5)
		s := seqs(t, a, "org-a")
		withoutTriggers(t, d, `DELETE FROM audit_log WHERE seq = $1`, s[1])
		if b := verify(t, a, "org-a"); b != s[2] {
			t.Fatalf("Verify = %d, want the row after the deleted one, %d", b, s[2])
		}
	})
}

func TestAuditChainShowsAForgedRow(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		clk := newClock()
		a := auditLog(t, d, clk, "org-a", 3)
		// A row inserted behind the log's back, with a made-up chain.
		var seq int64
		err := d.QueryRowContext(t.Context(), `INSERT INTO audit_log (org_id, at, actor_id, action, object_type, object_id, prev_hash, hash)
			VALUES ('org-a', $1, 'intruder', 'report.read', 'report', 'rx', $2, $3) RETURNING seq`,
			db.Time(clk.Now()), []byte("not the head"), []byte("not a hash")).Scan(&seq)
		if err != nil {
			t.Fatal(err)
		}
		if b := verify(t, a, "org-a"); b != seq {
			t.Fatalf("Verify = %d, want the forged row %d", b, seq)
		}
	})
}

func TestAuditLogRefusesUpdateAndDelete(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		clk := newClock()
		a := auditLog(t, d, clk, "org-a", 2)
		s := seqs(t, a, "org-a")
		ctx := t.Context()
		if _, err := d.ExecContext(ctx, `UPDATE audit_log SET action = 'nothing' WHERE seq = $1`, s[0]); err == nil {
			t.Fatal("UPDATE of the audit log was allowed")
		}
		if _, err := d.ExecContext(ctx, `DELETE FROM audit_log WHERE seq = $1`, s[0]); err == nil {
			t.Fatal("DELETE from the audit log was allowed")
		}
		if _, err := d.ExecContext(ctx, `DELETE FROM audit_log`); err == nil {
			t.Fatal("DELETE of the whole audit log was allowed")
		}
		if got := seqs(t, a, "org-a"); len(got) != 2 {
			t.Fatalf("entries after refused changes: %v", got)
		}
		if b := verify(t, a, "org-a"); b != 0 {
			t.Fatalf("chain broken at %d after refused changes", b)
		}
	})
}

func TestServiceActionsLandInTheAuditLog(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		root, p := e.bootstrap()
		u, _ := e.user(p, web.RoleModerator, "", "watcher")
		if err := e.svc.SetRole(e.ctx, p, u.ID, web.RoleAdmin); err != nil {
			t.Fatal(err)
		}
		entries, broken, err := e.svc.AuditLog(e.ctx, p, 0)
		if err != nil {
			t.Fatal(err)
		}
		if broken != 0 {
			t.Fatalf("chain broken at %d", broken)
		}
		var actions []string
		for _, en := range entries {
			actions = append(actions, en.Action)
			if en.ActorID == root.ID && en.ActorHandle != "root" {
				t.Fatalf("actor handle %q, want root", en.ActorHandle)
			}
		}
		want := []string{"user.role.admin", "invite.create", "user.bootstrap"}
		if len(actions) != len(want) {
			t.Fatalf("actions = %v, want %v", actions, want)
		}
		for i := range want {
			if actions[i] != want[i] {
				t.Fatalf("actions = %v, want %v", actions, want)
			}
		}
	})
}
