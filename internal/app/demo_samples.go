package app

import (
	"context"
	"fmt"

	"github.com/sisterline/sisterline/internal/incident"
	"github.com/sisterline/sisterline/internal/web"
)

// SeedSamples adds what the demo shows of the safety loop, on top of Seed:
// two reports that name the same phone number written two ways (so the
// moderator sees corroboration), one of them published as a network alert
// that members of both organisations see and can find by screening, and a
// report waiting in the second organisation. The tests start from Seed
// alone, so their counts are their own.
func (a *App) SeedSamples(ctx context.Context) error {
	who := func(handle string, role web.Role) (*web.Principal, error) {
		id, orgID, err := a.Accounts.Store().UserIDByHandle(ctx, handle)
		if err != nil {
			return nil, fmt.Errorf("demo: %s: %w", handle, err)
		}
		return &web.Principal{UserID: id, OrgID: orgID, Handle: handle, Role: role}, nil
	}
	member, err := who("member1", web.RoleMember)
	if err != nil {
		return err
	}
	outreach, err := who("outreach1", web.RoleOutreach)
	if err != nil {
		return err
	}
	mod, err := who("moderator1", web.RoleModerator)
	if err != nil {
		return err
	}
	other, err := who("member2", web.RoleMember)
	if err != nil {
		return err
	}
	first, err := a.Reports.Create(ctx, member, incident.Draft{
		OccurredOn: a.now().AddDate(0, 0, -3).Format("2006-01-02"), Area: "Kunming",
		IncidentTypes: []string{"physical_violence", "robbery"},
		Narrative:     "示例：客人打了我，还抢走了钱。(demo)",
		Description:   "示例：高个子，开灰色的车。(demo)",
		Identifiers:   []incident.RawIdentifier{{Kind: "phone", Value: "138 0013 8000"}},
		Support:       []string{"medical", "legal"},
		Consent:       incident.Consent{Alert: true, Network: true},
	}, false)
	if err != nil {
		return fmt.Errorf("demo: report: %w", err)
	}
	if _, err := a.Reports.Create(ctx, outreach, incident.Draft{
		Area: "Kunming", IncidentTypes: []string{"threats", "non_payment"},
		Narrative:   "示例：外展工作者代一位姐妹填写。(demo)",
		Identifiers: []incident.RawIdentifier{{Kind: "phone", Value: "+86 138-0013-8000"}},
		Consent:     incident.Consent{Alert: true},
	}, true); err != nil {
		return fmt.Errorf("demo: report: %w", err)
	}
	if _, err := a.Reports.Publish(ctx, mod, first.ID, incident.Publication{
		Summary: "示例预警：这个号码的客人打人抢钱，不要接。(demo)", Scope: "network",
		Identifiers: []incident.RawIdentifier{{Kind: "phone", Value: "13800138000"}},
	}); err != nil {
		return fmt.Errorf("demo: publish: %w", err)
	}
	if _, err := a.Reports.Create(ctx, other, incident.Draft{
		Area: "River City", IncidentTypes: []string{"condom_refusal"},
		Narrative: "Example: he refused to use a condom. (demo)", Consent: incident.Consent{Alert: true},
	}, false); err != nil {
		return fmt.Errorf("demo: report: %w", err)
	}
	return nil
}
