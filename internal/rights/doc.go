// Package rights is the know-your-rights library: short, plain-language
// articles by jurisdiction and language, each with its sources and review
// date; printable rights cards; a directory of legal aid, clinics, PEP
// sites, hotlines, shelters and sex-worker organisations; search in Chinese
// and English; and Help, which other capabilities call to show the articles
// and services that fit an incident.
//
// Articles ship as content packs (the content package, and --content-dir
// for an organisation's own), are imported into the database on start and
// served from there; staff edit them in the browser, every import and edit
// is a version, and edits are written to the audit log. Everything here is
// public: readers need no account.
package rights
