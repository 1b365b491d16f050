package programme

import (
	"bytes"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/web"
)

// The dashboard, the logframes, the settings, the network view and the
// exports.

// periodFrom reads the period of a request: ?period=202611|2026Q4|2026, or
// ?from=&to=, or the current month.
func (h *HTTP) periodFrom(r *http.Request) (Period, error) {
	q := r.URL.Query()
	switch {
	case q.Get("period") != "":
		return ParsePeriod(q.Get("period"))
	case q.Get("from") != "" || q.Get("to") != "":
		return Range(q.Get("from"), q.Get("to"))
	}
	return Month(h.svc.Today()), nil
}

// periodLink is a quick link of the period selector.
type periodLink struct {
	Label, Href string
	Current     bool
}

func periodLinks(v *web.View, p Period, today Period, path string) []periodLink {
	link := func(label string, q Period) periodLink {
		return periodLink{Label: label, Href: path + "?period=" + q.ID, Current: q.ID == p.ID}
	}
	out := []periodLink{
		link(v.T("programme.period.this_month"), today),
		link(v.T("programme.period.last_month"), Month(today.From.AddDate(0, -1, 0))),
		link(v.T("programme.period.this_quarter"), Quarter(today.From)),
		link(v.T("programme.period.this_year"), Year(today.From)),
		link(v.T("programme.period.last_year"), Year(today.From.AddDate(-1, 0, 0))),
	}
	if p.ID != "" {
		var prev, next Period
		switch p.Kind() {
		case PeriodMonth:
			prev, next = Month(p.From.AddDate(0, -1, 0)), Month(p.From.AddDate(0, 1, 0))
		case PeriodQuarter:
			prev, next = Quarter(p.From.AddDate(0, -3, 0)), Quarter(p.From.AddDate(0, 3, 0))
		default:
			prev, next = Year(p.From.AddDate(-1, 0, 0)), Year(p.From.AddDate(1, 0, 0))
		}
		out = append(out, link("← "+prev.ID, prev), link(next.ID+" →", next))
	}
	return out
}

// figureRow is a figure as the dashboard shows it.
type figureRow struct {
	Figure
	Display string
	Parts   string
	Rule    string
	Annual  string
	Target  *Progress
}

// display writes a figure's value for people: counts plain, ratios as
// percentages, hours with one decimal.
func display(v *web.View, f Figure) string {
	switch {
	case f.Suppressed:
		return v.T("programme.suppressed")
	case !f.HasValue:
		return "—"
	case f.Def.Unit == UnitRatio:
		return strconv.FormatFloat(f.Value*100, 'f', 1, 64) + "%"
	}
	return formatNumber(f.Value)
}

func parts(v *web.View, f Figure) string {
	if !f.HasParts || f.Suppressed {
		return ""
	}
	return v.T("programme.parts", "Num", f.Num, "Den", f.Den)
}

func (h *HTTP) rows(v *web.View, p Period, figs []Figure, targets map[string]Target) []figureRow {
	out := make([]figureRow, 0, len(figs))
	for _, f := range figs {
		row := figureRow{Figure: f, Display: display(v, f), Parts: parts(v, f)}
		if f.Custom {
			row.Rule = v.T("programme.rule.custom")
		} else {
			row.Name = v.T(f.Name)
			row.Rule = v.T("programme.rule." + f.ID)
			if f.Def.Annual != "" && p.Kind() == PeriodYear {
				row.Annual = v.T("programme.annual." + f.Def.Annual)
			}
		}
		if t, ok := targets[f.ID]; ok && f.HasValue && !f.Suppressed && t.Target > 0 {
			actual := f.Value
			isRatio := f.Def.Unit == UnitRatio
			if isRatio {
				actual *= 100
			}
			pg := Progress{Period: p, Target: t.Target, Actual: actual, HasActual: true, Done: actual / t.Target, Elapsed: p.Elapsed(h.svc.now())}
			pg.Status = Status(pg.Done, pg.Elapsed, isRatio)
			row.Target = &pg
		}
		out = append(out, row)
	}
	return out
}

// chartView is a chart and the table of its numbers.
type chartView struct {
	Title string
	SVG   template.HTML
	Bars  []Bar
}

func chartOf(title string, bars []Bar) (chartView, error) {
	svg, err := Chart{Title: title, Bars: bars}.SVG()
	return chartView{Title: title, SVG: svg, Bars: bars}, err
}

func (h *HTTP) dashboard(w http.ResponseWriter, r *http.Request) error {
	per, err := h.periodFrom(r)
	if err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	rep, err := h.svc.Figures(r.Context(), p, per)
	if err != nil {
		return err
	}
	projects, err := h.svc.Projects(r.Context(), p)
	if err != nil {
		return err
	}
	st, err := h.svc.Settings(r.Context(), p)
	if err != nil {
		return err
	}
	// Targets of this period from every logframe, by indicator.
	targets := map[string]Target{}
	for _, pr := range projects {
		for _, pi := range pr.Indicators {
			for _, t := range pi.Targets {
				if pi.Source != "" && t.Period == per.ID {
					targets[pi.Source] = t
				}
			}
		}
	}
	return h.page(w, r, "programme/dashboard", func(v *web.View) (any, error) {
		rows := h.rows(v, per, rep.Figures, targets)
		var reached, contacts, progress []Bar
		for _, m := range rep.Months {
			label := m.Period.From.Format("01")
			if len(rep.Months) == 1 {
				label = m.Period.From.Format("2006-01")
			}
			reached = append(reached, Bar{Label: label, Value: float64(m.Reached)})
			contacts = append(contacts, Bar{Label: label, Value: float64(m.Contacts)})
		}
		for _, row := range rows {
			if row.Target != nil {
				progress = append(progress, Bar{Label: shortLabel(row.Name), Value: math.Round(row.Target.Done * 100), Target: math.Round(row.Target.Elapsed * 100), HasTarget: true})
			}
		}
		var charts []chartView
		for _, c := range []struct {
			title string
			bars  []Bar
		}{{v.T("programme.chart.reached"), reached}, {v.T("programme.chart.contacts"), contacts}, {v.T("programme.chart.progress"), progress}} {
			if len(c.bars) == 0 {
				continue
			}
			cv, err := chartOf(c.title, c.bars)
			if err != nil {
				return nil, err
			}
			charts = append(charts, cv)
		}
		return map[string]any{
			"Period": per, "Links": periodLinks(v, per, Month(h.svc.Today()), "/programme"), "Rows": rows, "Charts": charts,
			"Breakdowns": rep.Breakdowns, "IsAdmin": isAdmin(p), "CanRecord": isRecorder(p), "Exportable": per.ID != "",
			"OutreachNeeded": (st.Population + 49) / 50, "Population": st.Population,
		}, nil
	})
}

// shortLabel keeps a chart label readable on a phone.
func shortLabel(s string) string {
	r := []rune(s)
	if len(r) > 10 {
		return string(r[:9]) + "…"
	}
	return s
}

// ---- logframes ----

type planRow struct {
	PlanIndicator
	Progress []Progress
}

// block is the goal or a result of a logframe with its indicators, in the
// order the page shows them.
type block struct {
	Level, Title, Assumptions string
	Indicators                []planRow
}

type projectView struct {
	Project
	Blocks []block
}

func (h *HTTP) projectsData(r *http.Request) pageData {
	return func(v *web.View) (any, error) {
		p := v.Principal
		projects, err := h.svc.Projects(r.Context(), p)
		if err != nil {
			return nil, err
		}
		customs, err := h.svc.Customs(r.Context(), p)
		if err != nil {
			return nil, err
		}
		var views []projectView
		for _, pr := range projects {
			pv := projectView{Project: pr}
			byResult := map[string][]planRow{}
			for _, pi := range pr.Indicators {
				pg, err := h.svc.Progress(r.Context(), p, pi)
				if err != nil {
					return nil, err
				}
				if _, ok := DefOf(pi.Source); ok && pi.Name == pi.Source {
					pi.Name = v.T("programme.ind." + pi.Source)
				}
				byResult[pi.ResultID] = append(byResult[pi.ResultID], planRow{PlanIndicator: pi, Progress: pg})
			}
			pv.Blocks = append(pv.Blocks, block{Level: "goal", Title: pr.Goal, Indicators: byResult[""]})
			// Outcomes, each followed by its outputs and their activities.
			var walk func(parent string, level string)
			walk = func(parent, level string) {
				for _, res := range pr.Results {
					if res.Level == level && res.ParentID == parent {
						pv.Blocks = append(pv.Blocks, block{Level: res.Level, Title: res.Title, Assumptions: res.Assumptions, Indicators: byResult[res.ID]})
						if next := childLevel(level); next != "" {
							walk(res.ID, next)
						}
					}
				}
			}
			walk("", LevelOutcome)
			views = append(views, pv)
		}
		sources := []choice{{Value: "", Label: v.T("programme.plan.source_typed")}}
		for _, d := range defs {
			sources = append(sources, choice{Value: d.ID, Label: v.T("programme.ind." + d.ID)})
		}
		for _, c := range customs {
			sources = append(sources, choice{Value: c.ID, Label: c.Name})
		}
		return map[string]any{"Projects": views, "IsAdmin": isAdmin(p), "Sources": sources,
			"Levels": choices(v, "programme.level.", []string{LevelOutcome, LevelOutput, LevelActivity}),
			"Year":   strconv.Itoa(h.svc.Today().Year())}, nil
	}
}

func childLevel(level string) string {
	switch level {
	case LevelOutcome:
		return LevelOutput
	case LevelOutput:
		return LevelActivity
	}
	return ""
}

func (h *HTTP) projectsPage(w http.ResponseWriter, r *http.Request) error {
	return h.page(w, r, "programme/projects", h.projectsData(r))
}

func (h *HTTP) projectSave(w http.ResponseWriter, r *http.Request) error {
	if err := h.parseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	_, err := h.svc.CreateProject(r.Context(), web.PrincipalFrom(r.Context()), Project{Title: f.Get("title"), Goal: f.Get("goal"), StartsOn: f.Get("starts_on"), EndsOn: f.Get("ends_on")})
	if err != nil {
		return h.formError(w, r, "programme/projects", h.projectsData(r), err)
	}
	web.Redirect(w, r, "/programme/projects?done=flash.programme.saved")
	return nil
}

func (h *HTTP) resultSave(w http.ResponseWriter, r *http.Request) error {
	if err := h.parseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	_, err := h.svc.AddResult(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), Result{Level: f.Get("level"), ParentID: f.Get("parent"), Title: f.Get("title"), Assumptions: f.Get("assumptions")})
	if err != nil {
		return h.formError(w, r, "programme/projects", h.projectsData(r), err)
	}
	web.Redirect(w, r, "/programme/projects?done=flash.programme.saved")
	return nil
}

func parseFloat(field, s string) (float64, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	if s == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, apperr.Field(field, "programme.error.number")
	}
	return f, nil
}

func (h *HTTP) planIndicatorSave(w http.ResponseWriter, r *http.Request) error {
	if err := h.parseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	baseline, err := parseFloat("baseline", f.Get("baseline"))
	if err != nil {
		return h.formError(w, r, "programme/projects", h.projectsData(r), err)
	}
	pi := PlanIndicator{ProjectID: r.PathValue("id"), ResultID: f.Get("result"), Source: f.Get("source"), Name: f.Get("name"),
		Definition: f.Get("definition"), Baseline: baseline, Verification: f.Get("verification")}
	if per := strings.TrimSpace(f.Get("period")); per != "" {
		t, err := parseFloat("target", f.Get("target"))
		if err != nil {
			return h.formError(w, r, "programme/projects", h.projectsData(r), err)
		}
		pi.Targets = []Target{{Period: per, Target: t}}
	}
	if _, err := h.svc.AddPlanIndicator(r.Context(), web.PrincipalFrom(r.Context()), pi); err != nil {
		return h.formError(w, r, "programme/projects", h.projectsData(r), err)
	}
	web.Redirect(w, r, "/programme/projects?done=flash.programme.saved")
	return nil
}

func (h *HTTP) targetSave(w http.ResponseWriter, r *http.Request) error {
	if err := h.parseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	t, err := parseFloat("target", f.Get("target"))
	if err != nil {
		return h.formError(w, r, "programme/projects", h.projectsData(r), err)
	}
	tg := Target{Period: strings.TrimSpace(f.Get("period")), Target: t}
	if a := strings.TrimSpace(f.Get("actual")); a != "" {
		av, err := parseFloat("actual", a)
		if err != nil {
			return h.formError(w, r, "programme/projects", h.projectsData(r), err)
		}
		tg.Actual = &av
	}
	if err := h.svc.SetTarget(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), tg); err != nil {
		return h.formError(w, r, "programme/projects", h.projectsData(r), err)
	}
	web.Redirect(w, r, "/programme/projects?done=flash.programme.saved")
	return nil
}

// ---- settings ----

func (h *HTTP) settingsData(r *http.Request) pageData {
	return func(v *web.View) (any, error) {
		p := v.Principal
		st, err := h.svc.Settings(r.Context(), p)
		if err != nil {
			return nil, err
		}
		customs, err := h.svc.Customs(r.Context(), p)
		if err != nil {
			return nil, err
		}
		svcs, err := h.serviceChoices(r, v)
		if err != nil {
			return nil, err
		}
		mapping := ""
		if !st.DHIS2.Empty() {
			var buf bytes.Buffer
			enc := jsonIndent(&buf)
			if err := enc.Encode(st.DHIS2); err != nil {
				return nil, err
			}
			mapping = buf.String()
		}
		var ratioSources []choice
		for _, d := range defs {
			if d.Unit == UnitPeople || d.Unit == UnitCount {
				ratioSources = append(ratioSources, choice{Value: d.ID, Label: v.T("programme.ind." + d.ID)})
			}
		}
		for _, c := range customs {
			if c.Kind != "ratio" {
				ratioSources = append(ratioSources, choice{Value: c.ID, Label: c.Name})
			}
		}
		if v.Form == nil || v.Form.Values == nil {
			v.WithForm(url.Values{
				"population": {strconv.FormatInt(st.Population, 10)}, "condoms_per_month": {strconv.FormatInt(st.CondomsPerMonth, 10)},
				"threshold": {strconv.Itoa(st.Threshold)}, "dhis2": {mapping},
			}, nil)
		}
		return map[string]any{"Settings": st, "Customs": customs, "Services": svcs, "Own": st.Services, "RatioSources": ratioSources,
			"Records": choices(v, "programme.record.", append(ActivityKinds(), "referral")),
			"Modes":   choices(v, "programme.mode.", Modes()), "MinThreshold": MinThreshold,
			"Kinds": choices(v, "programme.kind.", []string{"count", "unique", "ratio"}),
			"Keys":  mappingKeys(), "Example": dhis2Example}, nil
	}
}

// dhis2Example is the mapping the settings page shows as an example.
const dhis2Example = `{
  "org_unit": "ImspTQPwCqd",
  "data_set": "pBOMPrpg1QX",
  "elements": {
    "people_reached": {"data_element": "fbfJHSPpUQD", "category_option_combo": "HllvX50cXC0"},
    "referral_linkage:numerator": {"data_element": "cYeuwXTCPkU"}
  }
}`

// mappingKeys lists the keys a DHIS2 mapping may use, for the help text.
func mappingKeys() []string {
	var out []string
	for _, d := range defs {
		out = append(out, d.ID)
		if d.Unit == UnitRatio || d.ID == "condoms_distributed" {
			out = append(out, d.ID+":numerator", d.ID+":denominator")
		}
	}
	for _, b := range breakdowns(raw{}) {
		for _, r := range b.Rows {
			out = append(out, breakdownKey(b.Dim, r.Key))
		}
	}
	return out
}

func (h *HTTP) settingsPage(w http.ResponseWriter, r *http.Request) error {
	return h.page(w, r, "programme/settings", h.settingsData(r))
}

func (h *HTTP) settingsSave(w http.ResponseWriter, r *http.Request) error {
	if err := h.parseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	fields := apperr.Fields{}
	pop, ok := atoi64(f.Get("population"))
	if !ok {
		fields["population"] = "programme.error.number"
	}
	per, ok := atoi64(f.Get("condoms_per_month"))
	if !ok {
		fields["condoms_per_month"] = "programme.error.number"
	}
	th, err := strconv.Atoi(strings.TrimSpace(f.Get("threshold")))
	if err != nil {
		fields["threshold"] = "programme.error.threshold"
	}
	mapping, err := ParseDHIS2Mapping(f.Get("dhis2"))
	if err != nil {
		fields["dhis2"] = messageOf(err)
	}
	if len(fields) > 0 {
		// Say everything that is wrong at once.
		for k, m := range settingsProblems(Settings{Population: pop, CondomsPerMonth: per, Threshold: th, DHIS2: mapping}) {
			if fields[k] == "" {
				fields[k] = m
			}
		}
		return h.formError(w, r, "programme/settings", h.settingsData(r), fields.Err())
	}
	if err := h.svc.SaveSettings(r.Context(), web.PrincipalFrom(r.Context()), Settings{Population: pop, CondomsPerMonth: per, Threshold: th, DHIS2: mapping}); err != nil {
		return h.formError(w, r, "programme/settings", h.settingsData(r), err)
	}
	web.Redirect(w, r, "/programme/settings?done=flash.programme.saved")
	return nil
}

func (h *HTTP) serviceSave(w http.ResponseWriter, r *http.Request) error {
	if err := h.parseForm(r); err != nil {
		return err
	}
	if err := h.svc.AddService(r.Context(), web.PrincipalFrom(r.Context()), r.PostForm.Get("label")); err != nil {
		return h.formError(w, r, "programme/settings", h.settingsData(r), err)
	}
	web.Redirect(w, r, "/programme/settings?done=flash.programme.saved")
	return nil
}

func (h *HTTP) customSave(w http.ResponseWriter, r *http.Request) error {
	if err := h.parseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	c := Custom{Name: f.Get("name"), Kind: f.Get("kind"), Record: f.Get("record"), Mode: f.Get("mode"), Service: f.Get("service"), Numerator: f.Get("numerator"), Denominator: f.Get("denominator")}
	if _, err := h.svc.AddCustom(r.Context(), web.PrincipalFrom(r.Context()), c); err != nil {
		return h.formError(w, r, "programme/settings", h.settingsData(r), err)
	}
	web.Redirect(w, r, "/programme/settings?done=flash.programme.saved")
	return nil
}

// ---- network ----

func (h *HTTP) networkPage(w http.ResponseWriter, r *http.Request) error {
	per, err := h.periodFrom(r)
	if err != nil {
		return err
	}
	if per.ID == "" {
		return errCalendarOnly
	}
	rep, err := h.svc.Network(r.Context(), web.PrincipalFrom(r.Context()), per)
	if err != nil {
		return err
	}
	return h.page(w, r, "programme/network", func(v *web.View) (any, error) {
		type orgRow struct {
			Org   OrgRef
			Cells []string
		}
		var orgs []orgRow
		var heads []string
		for i, o := range rep.Orgs {
			row := orgRow{Org: o.Org}
			for _, f := range o.Figures {
				if f.Def.Unit == UnitRatio || f.Def.Unit == UnitHours {
					continue
				}
				if i == 0 {
					heads = append(heads, v.T(f.Name))
				}
				row.Cells = append(row.Cells, display(v, f))
			}
			orgs = append(orgs, row)
		}
		var bars []Bar
		for _, o := range rep.Orgs {
			for _, f := range o.Figures {
				if f.ID == "people_reached" && !f.Suppressed {
					bars = append(bars, Bar{Label: shortLabel(o.Org.Slug), Value: f.Value})
				}
			}
		}
		var charts []chartView
		if len(bars) > 0 {
			cv, err := chartOf(v.T("programme.chart.by_org"), bars)
			if err != nil {
				return nil, err
			}
			charts = append(charts, cv)
		}
		return map[string]any{"Period": per, "Links": periodLinks(v, per, Month(h.svc.Today()), "/programme/network"),
			"Rows": h.rows(v, per, rep.Figures, nil), "Breakdowns": rep.Breakdowns, "Orgs": orgs, "Heads": heads, "Charts": charts}, nil
	})
}

// ---- exports ----

func (h *HTTP) exportRows(r *http.Request) ([]ExportRow, string, Period, error) {
	per, err := ParsePeriod(r.URL.Query().Get("period"))
	if err != nil {
		return nil, "", per, err
	}
	p := web.PrincipalFrom(r.Context())
	figs, bds, _, err := h.svc.PublishedFigures(r.Context(), p, per)
	if err != nil {
		return nil, "", per, err
	}
	v := h.rd.NewView(r, nil)
	t := func(id string) string { return v.T(id) }
	title := v.T("programme.export.title", "Org", p.OrgSlug, "Period", per.ID)
	return ExportRows(figs, bds, t), title, per, nil
}

func (h *HTTP) exportCSV(w http.ResponseWriter, r *http.Request) error {
	rows, title, per, err := h.exportRows(r)
	if err != nil {
		return err
	}
	v := h.rd.NewView(r, nil)
	var buf bytes.Buffer
	buf.WriteString("\ufeff") // so spreadsheet programs read UTF-8
	if err := WriteCSV(&buf, title, rows, func(id string) string { return v.T(id) }); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="programme-`+per.ID+`.csv"`)
	_, err = w.Write(buf.Bytes())
	return err
}

func (h *HTTP) exportXLSX(w http.ResponseWriter, r *http.Request) error {
	rows, title, per, err := h.exportRows(r)
	if err != nil {
		return err
	}
	v := h.rd.NewView(r, nil)
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, title, rows, func(id string) string { return v.T(id) }); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="programme-`+per.ID+`.xlsx"`)
	_, err = w.Write(buf.Bytes())
	return err
}
