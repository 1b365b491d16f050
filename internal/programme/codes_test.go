package programme

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/db/dbtest"
	"github.com/sisterline/sisterline/internal/web"
)

func TestCodeCheckCharacterCatchesEveryTypoAndSwap(t *testing.T) {
	for range 200 {
		code := NewCode()
		if _, err := ParseCode(code); err != nil {
			t.Fatalf("fresh code %s does not parse: %v", code, err)
		}
		// Every single wrong character is caught.
		for i := range code {
			for _, r := range codeAlphabet {
				if byte(r) == code[i] {
					continue
				}
				typo := code[:i] + string(r) + code[i+1:]
				if _, err := ParseCode(typo); !apperr.Is(err, apperr.Invalid) {
					t.Fatalf("typo %s of %s passed", typo, code)
				}
			}
		}
		// Every swap of two different characters is caught.
		for i := 0; i < len(code); i++ {
			for j := i + 1; j < len(code); j++ {
				if code[i] == code[j] {
					continue
				}
				b := []byte(code)
				b[i], b[j] = b[j], b[i]
				if _, err := ParseCode(string(b)); err == nil {
					t.Fatalf("swap %s of %s passed", b, code)
				}
			}
		}
	}
}

func TestParseCodeSaysWhatIsWrong(t *testing.T) {
	code := NewCode()
	for _, c := range []struct {
		in, msg string
	}{
		{strings.ToLower(FormatCode(code)), ""},
		{" " + code[:4] + "－" + code[4:], ""}, // full-width dash folded
		{code[:6], "programme.error.code_length"},
		{code + "2", "programme.error.code_length"},
		{"O" + code[1:], "programme.error.code_chars"},
		{"", "error.required"},
	} {
		got, err := ParseCode(c.in)
		if c.msg == "" {
			if err != nil || got != code {
				t.Errorf("ParseCode(%q) = %q, %v; want %q", c.in, got, err, code)
			}
			continue
		}
		ae, ok := apperr.As(err)
		if !ok || ae.Message != c.msg {
			t.Errorf("ParseCode(%q) error = %v, want %s", c.in, err, c.msg)
		}
	}
	if got := SplitCodes("AAAA-BBB, CCCC-DDD，EEEE-FFF\nGGGG-HHH"); len(got) != 4 {
		t.Errorf("SplitCodes = %q", got)
	}
}

func TestCodesAreStoredOnlySealedAndByBlindIndex(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		c, err := e.svc.IssueCode(ctx, e.outreach(e.orgA), CodeInput{AgeBand: "20-24", NationalID: "ID-12345"})
		if err != nil {
			t.Fatal(err)
		}
		var enc, nat, idx []byte
		if err := d.QueryRowContext(ctx, `SELECT code_enc, national_id_enc, code_idx FROM member_codes WHERE seq = $1`, c.Seq).Scan(&enc, &nat, &idx); err != nil {
			t.Fatal(err)
		}
		for _, b := range [][]byte{enc, nat, idx} {
			if strings.Contains(string(b), c.Code) || strings.Contains(string(b), "12345") {
				t.Fatal("a code or national identifier is stored in clear")
			}
		}
		if len(nat) == 0 {
			t.Fatal("national identifier not stored")
		}
		// Another organisation's code is unknown here.
		other := e.codes(e.orgB, 1, CodeInput{})[0]
		_, err = e.svc.RecordContact(ctx, e.outreach(e.orgA), Contact{On: "2026-12-01", Mode: ModeIndividual, Codes: []string{c.Code, other}})
		var ce *CodeErrors
		ae, _ := apperr.As(err)
		if ae == nil || ae.Code != apperr.Invalid || !asCodeErrors(err, &ce) || len(ce.Problems) != 1 || ce.Problems[0].Reason != "programme.error.code_unknown" {
			t.Fatalf("contact with another organisation's code: %v", err)
		}
		// Bad attributes are refused.
		if _, err := e.svc.IssueCode(ctx, e.outreach(e.orgA), CodeInput{AgeBand: "1990-01-01"}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("birth date as age band accepted: %v", err)
		}
		// Members and moderators do not issue codes.
		if _, err := e.svc.IssueCode(ctx, as(e.orgA, "member"), CodeInput{}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("member issued a code: %v", err)
		}
	})
}

func asCodeErrors(err error, target **CodeErrors) bool {
	for err != nil {
		if ce, ok := err.(*CodeErrors); ok {
			*target = ce
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

type fakeUsers map[string][2]string // handle → id, org

func (f fakeUsers) UserIDByHandle(_ context.Context, handle string) (string, string, error) {
	u, ok := f[handle]
	if !ok {
		return "", "", apperr.ErrNotFound
	}
	return u[0], u[1], nil
}

func TestMemberLinkedToHerCodeOnlyThroughABlindIndex(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		memberID := db.NewID()
		e.svc.users = fakeUsers{"lan": {memberID, e.orgA}, "mei": {db.NewID(), e.orgB}}
		code := e.codes(e.orgA, 1, CodeInput{})[0]
		if err := e.svc.LinkCode(ctx, e.outreach(e.orgA), FormatCode(code), "mei"); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("linked a member of another organisation: %v", err)
		}
		if err := e.svc.LinkCode(ctx, e.outreach(e.orgA), FormatCode(code), "lan"); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT count(*) FROM member_codes WHERE user_idx = $1`, []byte(memberID)).Scan(&n); err != nil || n != 0 {
			t.Errorf("the user id is stored in clear (%d rows, %v)", n, err)
		}
		me := &web.Principal{UserID: memberID, OrgID: e.orgA, Role: web.RoleMember}
		if got, err := e.svc.CodeOf(ctx, me); err != nil || got != code {
			t.Errorf("her code = %q, %v", got, err)
		}
		if err := d.InTx(ctx, func(tx *sql.Tx) error { return e.svc.DeleteUser(ctx, tx, memberID) }); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.svc.CodeOf(ctx, me); got != "" {
			t.Errorf("after deleting her account the code is still linked")
		}
	})
}
