// Package programme is the programme capability: project plans (logframes
// with a goal, outcomes, outputs and activities, indicators with baselines,
// targets per period and means of verification), outreach records counted
// by pseudonymous member codes (contacts, group sessions, trainings,
// referrals), built-in indicators that follow their published definitions
// (PEPFAR KP_PREV, UNAIDS GAM, WHO, SWIT), dashboards with server-drawn
// charts, and exports (CSV, XLSX, DHIS2 dataValueSets).
//
// No person is in the numbers: a member code is random and carries only
// coarse optional attributes; an organisation's own staff see exact
// figures, and everything that leaves it (the network view, exports,
// donor reports) is suppressed below a threshold, with complementary
// suppression so that no hidden count can be worked back from the totals.
package programme
