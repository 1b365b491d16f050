// Package web is the HTTP frame every capability shares: routes with declared
// access rules, middleware (security headers, cross-origin protection, request
// limits, rate limits, language, the signed-in principal, logging), rendering of
// pages from message catalogs in the user's language, JSON answers and one
// place that turns errors into status pages and JSON errors.
//
// Capabilities register their routes on a Router; the Router refuses a route
// without an access rule, and the list of routes it keeps is what the
// authorization tests walk.
package web
