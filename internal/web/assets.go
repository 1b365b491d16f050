package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed templates static locales
var frameFS embed.FS

// FrameFS is the frame's own templates, static files and messages.
func FrameFS() fs.FS { return frameFS }

// Assets serves the static files under a content-hashed path, so they can be
// cached for long and still change with each release.
type Assets struct {
	files map[string]asset // name → file
}

type asset struct {
	body  []byte
	hash  string
	ctype string
}

// NewAssets loads static/* of the frame.
func NewAssets() (*Assets, error) {
	a := &Assets{files: map[string]asset{}}
	err := fs.WalkDir(frameFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(frameFS, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		name := strings.TrimPrefix(p, "static/")
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		a.files[name] = asset{body: body, hash: hex.EncodeToString(sum[:6]), ctype: ct}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	return a, nil
}

// URL returns the versioned path of a static file.
func (a *Assets) URL(name string) string {
	f, ok := a.files[name]
	if !ok {
		return "/static/missing/" + name
	}
	return "/static/" + f.hash + "/" + name
}

// Body returns a static file's content (tests weigh pages with it).
func (a *Assets) Body(name string) []byte { return a.files[name].body }

// ServeHTTP serves GET /static/{hash}/{name}.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := a.files[r.PathValue("name")]
	if !ok || f.hash != r.PathValue("hash") {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.ctype)
	// Static files hold nothing personal; caching them saves a member's data
	// allowance on 2G. The name of the site is neutral.
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(f.body)
}
