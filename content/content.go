// Package content embeds the first content pack of the rights library: the
// know-your-rights articles (rights/<slug>.<lang>.md) and the directory of
// services (directory/*.toml) that ship inside the binary. README.md in this
// folder describes the format; internal/rights loads and validates it.
package content

import "embed"

// FS holds rights/ and directory/ as they are in the repository.
//
//go:embed rights directory
var FS embed.FS
