// Package alert holds the published alerts about violent clients: their
// scope (one organisation or the whole network), expiry, correction and
// withdrawal, the feed members read, fan-out to members who asked for
// alerts, and screening — a member checks a phone number, WeChat or QQ id or
// plate before a job, however it is written.
//
// An alert holds no link to the report or the reporter it came from. The
// values screened are never logged or stored; only daily counts are kept.
package alert
