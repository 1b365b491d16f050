// Package seal protects data at rest: field encryption with AES-GCM under a key
// ring kept outside the database, keyed blind indexes for equality look-ups,
// and passphrase hashing with argon2id.
//
// A sealed value is bound to where it lives (table, column and row) through the
// AEAD's associated data, so a value copied to another row does not open. Each
// sealed value names the key that sealed it, so keys can be rotated and old
// rows re-sealed in the background.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// KeyringFile is the key ring's file name in the data directory.
const KeyringFile = "keyring.json"

// version is the first byte of every sealed value.
const version byte = 1

// headerLen is the version byte and the 4-byte key id.
const headerLen = 5

// ErrOpen is returned when a sealed value does not open: wrong key, wrong
// place (associated data) or tampering.
var ErrOpen = errors.New("seal: value does not open")

// AD says where a sealed value lives. It is bound to the ciphertext.
type AD struct {
	Table, Column, Row string
}

func (a AD) bytes() []byte {
	return []byte("sisterline\x00" + a.Table + "\x00" + a.Column + "\x00" + a.Row)
}

type keyFile struct {
	Version int       `json:"version"`
	Active  uint32    `json:"active"`
	Keys    []keyJSON `json:"keys"`
	// Index is the blind-index secret. It never rotates: a new one would
	// orphan every stored index.
	Index string `json:"index"`
}

type keyJSON struct {
	ID      uint32    `json:"id"`
	Created time.Time `json:"created"`
	Secret  string    `json:"secret"`
}

// Keyring holds the field keys and the blind-index key.
type Keyring struct {
	mu     sync.RWMutex
	path   string
	file   keyFile
	aeads  map[uint32]cipher.AEAD
	index  []byte
	active uint32
	macs   sync.Pool // of keyed HMAC-SHA256 states for BlindIndex
}

// LoadOrCreate reads the key ring in dir, creating it (mode 0600) on first use.
func LoadOrCreate(dir string) (*Keyring, error) {
	path := filepath.Join(dir, KeyringFile)
	raw, err := os.ReadFile(path) // #nosec G304 -- the data directory is configuration
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("seal: create data dir: %w", err)
		}
		k, err := New()
		if err != nil {
			return nil, err
		}
		k.path = path
		if err := k.save(); err != nil {
			return nil, err
		}
		return k, nil
	}
	if err != nil {
		return nil, fmt.Errorf("seal: read key ring: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("seal: key ring %s is readable by others (mode %v): chmod 600 it", path, fi.Mode().Perm())
	}
	var f keyFile
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("seal: parse key ring: %w", err)
	}
	k, err := fromFile(f)
	if err != nil {
		return nil, err
	}
	k.path = path
	return k, nil
}

// New returns a fresh in-memory key ring (tests use it directly).
func New() (*Keyring, error) {
	f := keyFile{Version: 1, Active: 1, Index: base64.StdEncoding.EncodeToString(randBytes(32))}
	f.Keys = []keyJSON{{ID: 1, Created: time.Now().UTC(), Secret: base64.StdEncoding.EncodeToString(randBytes(32))}}
	return fromFile(f)
}

func fromFile(f keyFile) (*Keyring, error) {
	k := &Keyring{file: f, aeads: map[uint32]cipher.AEAD{}, active: f.Active}
	for _, kj := range f.Keys {
		secret, err := base64.StdEncoding.DecodeString(kj.Secret)
		if err != nil || len(secret) != 32 {
			return nil, fmt.Errorf("seal: key %d is malformed", kj.ID)
		}
		aead, err := newAEAD(secret)
		if err != nil {
			return nil, err
		}
		k.aeads[kj.ID] = aead
	}
	if _, ok := k.aeads[k.active]; !ok {
		return nil, fmt.Errorf("seal: active key %d is missing", k.active)
	}
	idx, err := base64.StdEncoding.DecodeString(f.Index)
	if err != nil || len(idx) != 32 {
		return nil, errors.New("seal: blind-index key is malformed")
	}
	k.index = idx
	return k, nil
}

func newAEAD(secret []byte) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, secret, nil, "sisterline field encryption v1", 32)
	if err != nil {
		return nil, fmt.Errorf("seal: derive key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal: cipher: %w", err)
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("seal: gcm: %w", err)
	}
	return aead, nil
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return b
}

func (k *Keyring) save() error {
	raw, err := json.MarshalIndent(k.file, "", "  ")
	if err != nil {
		return fmt.Errorf("seal: encode key ring: %w", err)
	}
	// Write a temporary file and rename it over the ring, so a crash never
	// leaves a half-written key ring (which would lose every sealed value).
	tmp := k.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600) // #nosec G304 -- data directory
	if err != nil {
		return fmt.Errorf("seal: write key ring: %w", err)
	}
	if _, err := f.Write(raw); err != nil {
		_ = f.Close()
		return fmt.Errorf("seal: write key ring: %w", err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("seal: sync key ring: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("seal: close key ring: %w", err)
	}
	if err := os.Rename(tmp, k.path); err != nil {
		return fmt.Errorf("seal: replace key ring: %w", err)
	}
	return nil
}

// Rotate adds a new key, makes it the one that seals from now on, and saves
// the ring. Values sealed under older keys still open; Reseal moves them.
func (k *Keyring) Rotate() (uint32, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	var next uint32
	for _, kj := range k.file.Keys {
		next = max(next, kj.ID)
	}
	next++
	secret := randBytes(32)
	aead, err := newAEAD(secret)
	if err != nil {
		return 0, err
	}
	k.file.Keys = append(k.file.Keys, keyJSON{ID: next, Created: time.Now().UTC(), Secret: base64.StdEncoding.EncodeToString(secret)})
	k.file.Active = next
	k.aeads[next] = aead
	k.active = next
	if k.path != "" {
		if err := k.save(); err != nil {
			return 0, err
		}
	}
	return next, nil
}

// Active returns the id of the key that seals new values.
func (k *Keyring) Active() uint32 {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.active
}

// KeyIDs returns the ids of every key in the ring.
func (k *Keyring) KeyIDs() []uint32 {
	k.mu.RLock()
	defer k.mu.RUnlock()
	ids := make([]uint32, 0, len(k.file.Keys))
	for _, kj := range k.file.Keys {
		ids = append(ids, kj.ID)
	}
	return ids
}

// Seal encrypts plain for the place ad with the active key. An empty plain
// seals to nil, so "nothing" is stored as NULL, not as a ciphertext.
func (k *Keyring) Seal(plain []byte, ad AD) []byte {
	if len(plain) == 0 {
		return nil
	}
	k.mu.RLock()
	id, aead := k.active, k.aeads[k.active]
	k.mu.RUnlock()
	out := make([]byte, headerLen, headerLen+aead.NonceSize()+len(plain)+aead.Overhead())
	out[0] = version
	binary.BigEndian.PutUint32(out[1:headerLen], id)
	return aead.Seal(out, nil, plain, ad.bytes()) // #nosec G407 -- NewGCMWithRandomNonce: the nonce must be nil, Seal draws a random one
}

// SealString is Seal for text.
func (k *Keyring) SealString(plain string, ad AD) []byte { return k.Seal([]byte(plain), ad) }

// Open decrypts a value sealed for the place ad. A nil value opens to nil.
func (k *Keyring) Open(sealed []byte, ad AD) ([]byte, error) {
	if len(sealed) == 0 {
		return nil, nil
	}
	id, ok := KeyID(sealed)
	if !ok {
		return nil, ErrOpen
	}
	k.mu.RLock()
	aead := k.aeads[id]
	k.mu.RUnlock()
	if aead == nil {
		return nil, fmt.Errorf("%w: key %d is not in the ring", ErrOpen, id)
	}
	plain, err := aead.Open(nil, nil, sealed[headerLen:], ad.bytes())
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}

// OpenString is Open for text.
func (k *Keyring) OpenString(sealed []byte, ad AD) (string, error) {
	b, err := k.Open(sealed, ad)
	return string(b), err
}

// KeyID returns the id of the key that sealed a value.
func KeyID(sealed []byte) (uint32, bool) {
	if len(sealed) < headerLen || sealed[0] != version {
		return 0, false
	}
	return binary.BigEndian.Uint32(sealed[1:headerLen]), true
}

// BlindIndex returns a keyed index of value for equality look-ups within a
// domain ("user.handle", "ident"). Unlike a plain hash it cannot be reversed
// by enumerating a small value space (every phone number) without the key.
// Keyed states are reused: making one hashes the key twice, as much work
// as the index itself (a screening computes several).
func (k *Keyring) BlindIndex(domain, value string) []byte {
	m, _ := k.macs.Get().(hash.Hash)
	if m == nil {
		m = hmac.New(sha256.New, k.index)
	}
	m.Write([]byte(domain))
	m.Write([]byte{0})
	m.Write([]byte(value))
	sum := m.Sum(make([]byte, 0, sha256.Size))
	m.Reset()
	k.macs.Put(m)
	return sum[:16]
}
