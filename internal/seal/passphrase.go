package seal

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// HashParams are argon2id costs.
type HashParams struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultHashParams are above OWASP's recommended argon2id minimum (19 MiB,
// t=2, p=1): 46 MiB with t=1 is OWASP's own equivalent, and 64 MiB with t=2
// costs about 0.1 s here (see docs/PERFORMANCE.md).
var DefaultHashParams = HashParams{Memory: 64 * 1024, Time: 2, Threads: 1}

// TestHashParams are cheap costs for tests only.
var TestHashParams = HashParams{Memory: 1024, Time: 1, Threads: 1}

// HashPassphrase returns the PHC string of an argon2id hash of pass.
func HashPassphrase(pass string, p HashParams) string {
	salt := randBytes(16)
	sum := argon2.IDKey([]byte(pass), salt, p.Time, p.Memory, p.Threads, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(sum))
}

// VerifyPassphrase reports whether pass matches the PHC string, in constant
// time, and whether the hash was made with weaker costs than p (so the caller
// can re-hash at sign-in).
func VerifyPassphrase(pass, phc string, p HashParams) (ok, rehash bool, err error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, false, errors.New("seal: not an argon2id hash")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, false, errors.New("seal: unsupported argon2 version")
	}
	var hp HashParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &hp.Memory, &hp.Time, &hp.Threads); err != nil {
		return false, false, fmt.Errorf("seal: argon2 parameters: %w", err)
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, false, fmt.Errorf("seal: argon2 salt: %w", err)
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false, false, fmt.Errorf("seal: argon2 hash: %w", err)
	}
	got := argon2.IDKey([]byte(pass), salt, hp.Time, hp.Memory, hp.Threads, uint32(len(want))) // #nosec G115 -- len is 32
	ok = subtle.ConstantTimeCompare(got, want) == 1
	return ok, ok && (hp.Memory < p.Memory || hp.Time < p.Time), nil
}
