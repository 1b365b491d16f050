package programme

import (
	"cmp"
	"math"
	"slices"
)

// Small-cell suppression for every figure that leaves the organisation: the
// network view, the exports and the donor reports.
//
// A Publication is a set of counts (cells) and the sums that tie them: a
// total is the sum of its categories, a quarter the sum of its months, the
// network the sum of its organisations, a referral count the sum of the
// linked and the not linked. Suppress first hides every count below the
// threshold (primary suppression), then hides more cells until no hidden
// count can be worked back from the published ones through those sums
// (complementary suppression): a hidden cell is exposed exactly when the
// published values and the sums determine it, which is a rank test on the
// sums restricted to the hidden cells.

// Publication holds the cells of one publication and the sums between them.
type Publication struct {
	cells map[string]*pubCell
	keys  []string
	sums  [][]term
}

type pubCell struct {
	value      int64
	min        int64
	suppressed bool
	// tier orders the cells complementary suppression may hide: the lowest
	// tier first (a category before a network total before an
	// organisation's headline figure), then the smallest value.
	tier int
}

type term struct {
	key  string
	coef float64
}

// Tiers for complementary suppression.
const (
	TierCategory = 0
	TierNetwork  = 1
	TierHeadline = 2
)

// NewPublication returns an empty publication.
func NewPublication() *Publication { return &Publication{cells: map[string]*pubCell{}} }

// Set adds (or replaces) a count that is hidden when below threshold.
func (p *Publication) Set(key string, value int64, tier, threshold int) {
	if c, ok := p.cells[key]; ok {
		c.value, c.tier, c.min = value, tier, int64(threshold)
		return
	}
	p.cells[key] = &pubCell{value: value, tier: tier, min: int64(threshold)}
	p.keys = append(p.keys, key)
}

// Has reports whether the publication holds a cell.
func (p *Publication) Has(key string) bool { return p.cells[key] != nil }

// Sum records that total is the sum of parts. Every key must have been Set.
func (p *Publication) Sum(total string, parts ...string) {
	eq := []term{{key: total, coef: -1}}
	for _, k := range parts {
		eq = append(eq, term{key: k, coef: 1})
	}
	p.sums = append(p.sums, eq)
}

// Value returns a cell's count and whether it may be published.
func (p *Publication) Value(key string) (int64, bool) {
	c := p.cells[key]
	if c == nil || c.suppressed {
		return 0, false
	}
	return c.value, true
}

// Suppressed reports whether a cell is hidden.
func (p *Publication) Suppressed(key string) bool {
	c := p.cells[key]
	return c == nil || c.suppressed
}

// Keys lists the cells in the order they were added.
func (p *Publication) Keys() []string { return slices.Clone(p.keys) }

// Suppress hides every count below its threshold and then every further
// count needed so that no hidden count can be derived from the published ones.
func (p *Publication) Suppress() {
	for _, c := range p.cells {
		if c.value < c.min {
			c.suppressed = true
		}
	}
	for {
		exposed := p.exposed()
		if len(exposed) == 0 {
			return
		}
		// One partner per group and round: a partner hidden for one
		// exposed cell often frees the others of its group as well.
		for _, k := range exposed {
			if !p.hideOneNear(k) {
				// Nothing left to hide beside it: hide the exposed cell's
				// whole connected part, which can then tell nothing.
				p.hideComponent(k)
			}
		}
	}
}

// hideOneNear hides the cheapest published cell that shares a sum with the
// exposed cell k, so that k gains a degree of freedom.
func (p *Publication) hideOneNear(k string) bool {
	var best string
	for _, eq := range p.sums {
		if !hasKey(eq, k) {
			continue
		}
		for _, t := range eq {
			c := p.cells[t.key]
			if c.suppressed {
				continue
			}
			if best == "" || less(t.key, c, best, p.cells[best]) {
				best = t.key
			}
		}
	}
	if best == "" {
		return false
	}
	p.cells[best].suppressed = true
	return true
}

func less(ka string, a *pubCell, kb string, b *pubCell) bool {
	if a.tier != b.tier {
		return a.tier < b.tier
	}
	if a.value != b.value {
		return a.value < b.value
	}
	return ka < kb
}

// hideComponent hides every cell connected to k through sums.
func (p *Publication) hideComponent(k string) {
	seen := map[string]bool{k: true}
	queue := []string{k}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		p.cells[cur].suppressed = true
		for _, eq := range p.sums {
			if !hasKey(eq, cur) {
				continue
			}
			for _, t := range eq {
				if !seen[t.key] {
					seen[t.key] = true
					queue = append(queue, t.key)
				}
			}
		}
	}
}

func hasKey(eq []term, k string) bool {
	for _, t := range eq {
		if t.key == k {
			return true
		}
	}
	return false
}

// exposed returns, for each group of hidden cells that has any, one hidden
// cell that the published cells and the sums determine, in a stable order. The sums restricted to the hidden cells fall
// apart into independent groups (hidden cells linked through shared sums);
// each group is solved on its own, which keeps the matrices small.
func (p *Publication) exposed() []string {
	var out []string
	for _, g := range p.hiddenGroups() {
		col := map[string]int{}
		for i, k := range g.cells {
			col[k] = i
		}
		rows := make([][]float64, 0, len(g.sums))
		for _, si := range g.sums {
			row := make([]float64, len(g.cells))
			for _, t := range p.sums[si] {
				if i, ok := col[t.key]; ok {
					row[i] += t.coef
				}
			}
			rows = append(rows, row)
		}
		if d := determined(rows, len(g.cells)); len(d) > 0 {
			out = append(out, g.cells[d[0]])
		}
	}
	slices.SortFunc(out, func(a, b string) int { return cmp.Compare(a, b) })
	return out
}

// group is a set of hidden cells tied by sums, and those sums.
type group struct {
	cells []string
	sums  []int
}

// hiddenGroups splits the hidden cells into groups: two hidden cells are in
// one group when a chain of sums, each holding hidden cells of the chain,
// joins them.
func (p *Publication) hiddenGroups() []group {
	parent := map[string]string{}
	find := func(k string) string {
		for parent[k] != k {
			parent[k] = parent[parent[k]]
			k = parent[k]
		}
		return k
	}
	for _, k := range p.keys {
		if p.cells[k].suppressed {
			parent[k] = k
		}
	}
	for _, eq := range p.sums {
		first := ""
		for _, t := range eq {
			if _, ok := parent[t.key]; !ok {
				continue
			}
			if first == "" {
				first = t.key
				continue
			}
			parent[find(t.key)] = find(first)
		}
	}
	idx := map[string]int{}
	var groups []group
	for _, k := range p.keys {
		if _, ok := parent[k]; !ok {
			continue
		}
		r := find(k)
		i, ok := idx[r]
		if !ok {
			i = len(groups)
			idx[r] = i
			groups = append(groups, group{})
		}
		groups[i].cells = append(groups[i].cells, k)
	}
	for si, eq := range p.sums {
		for _, t := range eq {
			if _, ok := parent[t.key]; ok {
				groups[idx[find(t.key)]].sums = append(groups[idx[find(t.key)]].sums, si)
				break
			}
		}
	}
	return groups
}

// determined returns the columns x_i that the linear system rows·x = b fixes
// for every b: those whose unit vector lies in the row space, found from the
// reduced row echelon form (a pivot row with no entry in a free column).
func determined(rows [][]float64, n int) []int {
	const eps = 1e-9
	r := 0
	pivots := make([]int, 0, n)
	for c := 0; c < n && r < len(rows); c++ {
		best := -1
		for i := r; i < len(rows); i++ {
			if math.Abs(rows[i][c]) > eps && (best < 0 || math.Abs(rows[i][c]) > math.Abs(rows[best][c])) {
				best = i
			}
		}
		if best < 0 {
			continue
		}
		rows[r], rows[best] = rows[best], rows[r]
		pv := rows[r][c]
		for j := range rows[r] {
			rows[r][j] /= pv
		}
		for i := range rows {
			if i != r && math.Abs(rows[i][c]) > eps {
				f := rows[i][c]
				for j := range rows[i] {
					rows[i][j] -= f * rows[r][j]
				}
			}
		}
		pivots = append(pivots, c)
		r++
	}
	isPivot := make([]bool, n)
	for _, c := range pivots {
		isPivot[c] = true
	}
	var out []int
	for i, c := range pivots {
		alone := true
		for j := 0; j < n; j++ {
			if !isPivot[j] && math.Abs(rows[i][j]) > eps {
				alone = false
				break
			}
		}
		if alone {
			out = append(out, c)
		}
	}
	return out
}
