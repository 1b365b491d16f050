package db

import (
	"crypto/rand"
	"time"
)

// NewID returns a new opaque, unguessable id (26 base32 characters, 130 bits).
func NewID() string { return rand.Text() }

// Now returns the current time as stored: UTC, microsecond precision (what
// PostgreSQL keeps), so a value read back equals the value written.
func Now() time.Time { return Time(time.Now()) }

// Time normalises t for storage: UTC, microsecond precision.
func Time(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
