package app

import (
	"context"
	"database/sql"
	"time"

	"github.com/sisterline/sisterline/internal/alert"
	"github.com/sisterline/sisterline/internal/incident"
)

// incidentAlerts gives the incident capability what it needs of the alert
// capability, through the small interface incident declares.
type incidentAlerts struct{ svc *alert.Service }

func (a incidentAlerts) Publish(ctx context.Context, tx *sql.Tx, n incident.NewAlert) (string, error) {
	al, err := a.svc.Publish(ctx, tx, alert.Input{
		OrgID: n.OrgID, ActorID: n.ActorID, Scope: n.Scope, Summary: n.Summary, IncidentTypes: n.IncidentTypes,
		OccurredOn: n.OccurredOn, Area: n.Area, ExpiresAt: n.ExpiresAt, Identifiers: n.Identifiers,
	})
	return al.ID, err
}

func (a incidentAlerts) Matching(ctx context.Context, idx [][]byte, viewerOrgID string) (incident.AlertMatches, error) {
	visible, total, err := a.svc.Matching(ctx, idx, viewerOrgID)
	m := incident.AlertMatches{Total: total}
	for _, al := range visible {
		m.Visible = append(m.Visible, incident.AlertRef{ID: al.ID, Summary: al.Summary, Scope: al.Scope, OrgID: al.OrgID, PublishedAt: al.PublishedAt})
	}
	return m, err
}

// screenInterval turns "so many screenings per hour" into a token interval.
func screenInterval(perHour int) time.Duration { return time.Hour / time.Duration(perHour) }
