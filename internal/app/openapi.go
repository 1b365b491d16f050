package app

import _ "embed"

//go:embed openapi.json
var openapi []byte

// OpenAPI returns the OpenAPI 3.1 document of the JSON API. A test keeps it
// in step with the routes the router has.
func OpenAPI() []byte { return openapi }
