package alert

import (
	"slices"
	"sync"
	"time"
)

// alertCacheSize bounds the alerts kept opened in memory for screening:
// about 2 KB each (summary and identifiers), so a few megabytes in all.
const alertCacheSize = 4096

// alertCache keeps alerts that screenings found, opened, so the next
// screening that finds one does not read and open its columns and
// identifiers again. An entry is used only while the alert's updated_at in
// the database is the one it was read with: every change to an alert
// (correction, withdrawal, expiry date) sets updated_at, and the query that
// finds alerts also decides, each time, whether she may see them. It holds
// what members are shown anyway — published, sanitised alerts — and never a
// report or a screened value.
type alertCache struct {
	mu      sync.RWMutex
	size    int
	entries map[string]Alert
}

func newAlertCache(size int) *alertCache {
	return &alertCache{size: size, entries: make(map[string]Alert, size)}
}

// get returns alert id as of updated, if the cache holds that version: a
// copy, so that callers may change it.
func (c *alertCache) get(id string, updated time.Time) (Alert, bool) {
	c.mu.RLock()
	a, ok := c.entries[id]
	c.mu.RUnlock()
	if !ok || !a.UpdatedAt.Equal(updated) {
		return Alert{}, false
	}
	a.IncidentTypes = slices.Clone(a.IncidentTypes)
	a.Identifiers = slices.Clone(a.Identifiers)
	return a, true
}

// put keeps a (a copy of it); when the cache is full, an entry chosen at
// random makes room.
func (c *alertCache) put(a Alert) {
	a.IncidentTypes = slices.Clone(a.IncidentTypes)
	a.Identifiers = slices.Clone(a.Identifiers)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[a.ID]; !ok && len(c.entries) >= c.size {
		for id := range c.entries { // map order is random
			delete(c.entries, id)
			break
		}
	}
	c.entries[a.ID] = a
}
