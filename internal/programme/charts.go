package programme

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"strconv"
)

// Charts are drawn on the server as SVG through html/template: no script,
// no inline style (colours are SVG presentation attributes, which the
// strict CSP allows), a title for screen readers, and always a table with
// the same numbers beside them on the page.

// Bar is one bar of a chart, with an optional target marker.
type Bar struct {
	Label     string
	Value     float64
	Target    float64
	HasTarget bool
}

// Chart is a bar chart.
type Chart struct {
	Title string
	Bars  []Bar
}

type svgBar struct {
	X, Y, W, H       float64
	TY, LX, LY, VY   float64
	Label, ValueText string
	HasTarget        bool
}

const (
	chartW, chartH = 320.0, 190.0
	chartTop       = 18.0
	chartBottom    = 36.0
)

var chartTmpl = template.Must(template.New("chart").Parse(`<svg class="chart" viewBox="0 0 320 190" width="100%" role="img" aria-label="{{.Title}}" xmlns="http://www.w3.org/2000/svg">
<title>{{.Title}}</title>
<line x1="0" y1="{{.Base}}" x2="320" y2="{{.Base}}" stroke="#888" stroke-width="1"/>
{{range .Bars}}<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" fill="#1a5a85"/>
<text x="{{.LX}}" y="{{.VY}}" font-size="11" text-anchor="middle" fill="#1d1d1f">{{.ValueText}}</text>
{{if .HasTarget}}<line x1="{{.X}}" y1="{{.TY}}" x2="{{.LX2}}" y2="{{.TY}}" stroke="#b3261e" stroke-width="3"/>{{end}}
<text x="{{.LX}}" y="{{.LY}}" font-size="10" text-anchor="middle" fill="#1d1d1f">{{.Label}}</text>
{{end}}</svg>`))

// SVG draws the chart.
func (c Chart) SVG() (template.HTML, error) {
	top := 0.0
	for _, b := range c.Bars {
		top = math.Max(top, math.Max(b.Value, b.Target))
	}
	if top <= 0 {
		top = 1
	}
	n := float64(max(len(c.Bars), 1))
	slot := chartW / n
	w := math.Min(slot*0.6, 48)
	base := chartH - chartBottom
	scale := (base - chartTop) / top
	type bar struct {
		svgBar
		LX2 float64
	}
	var bars []bar
	for i, b := range c.Bars {
		h := b.Value * scale
		x := slot*float64(i) + (slot-w)/2
		bars = append(bars, bar{svgBar: svgBar{
			X: round1(x), Y: round1(base - h), W: round1(w), H: round1(h),
			TY: round1(base - b.Target*scale), LX: round1(x + w/2), LY: base + 14, VY: round1(base - h - 4),
			Label: b.Label, ValueText: formatNumber(b.Value), HasTarget: b.HasTarget,
		}, LX2: round1(x + w)})
	}
	var buf bytes.Buffer
	err := chartTmpl.Execute(&buf, map[string]any{"Title": c.Title, "Bars": bars, "Base": base})
	if err != nil {
		return "", fmt.Errorf("programme: chart: %w", err)
	}
	return template.HTML(buf.String()), nil // #nosec G203 -- output of html/template
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

// formatNumber writes a count without decimals and anything else with at
// most one.
func formatNumber(f float64) string {
	if f == math.Trunc(f) {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'f', 1, 64)
}
