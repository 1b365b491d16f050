package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/sisterline/sisterline/internal/app"
	"github.com/sisterline/sisterline/internal/app/apptest"
	"github.com/sisterline/sisterline/internal/web"
)

// openAPI is the part of an OpenAPI 3.1 document the tests read.
type openAPI struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]json.RawMessage `json:"schemas"`
	} `json:"components"`
}

type operation struct {
	Parameters  []parameter `json:"parameters"`
	RequestBody *struct {
		Content map[string]struct {
			Schema json.RawMessage `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Content map[string]struct {
			Schema json.RawMessage `json:"schema"`
		} `json:"content"`
	} `json:"responses"`
}

type parameter struct {
	Name     string `json:"name"`
	In       string `json:"in"`
	Required bool   `json:"required"`
}

var httpMethods = []string{"get", "put", "post", "delete", "patch", "head", "options", "trace"}

func loadOpenAPI(t *testing.T) openAPI {
	t.Helper()
	var doc openAPI
	dec := json.NewDecoder(bytes.NewReader(app.OpenAPI()))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("internal/app/openapi.json is not valid JSON: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Fatalf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	return doc
}

// apiRoutePattern turns a router pattern ("POST /api/v1/reports/{id}/publish")
// into the OpenAPI form ("POST /api/v1/reports/{id}/publish"): {name...}
// becomes {name}, {$} goes.
func apiRoutePattern(pattern string) string {
	p := strings.ReplaceAll(pattern, "{$}", "")
	return regexp.MustCompile(`\{([^}.]+)\.\.\.\}`).ReplaceAllString(p, "{$1}")
}

func TestOpenAPIDescribesEveryAPIRoute(t *testing.T) {
	s := apptest.Start(t)
	doc := loadOpenAPI(t)
	documented := map[string]bool{}
	for path, item := range doc.Paths {
		for key := range item {
			if slices.Contains(httpMethods, key) {
				documented[strings.ToUpper(key)+" "+path] = true
			}
		}
	}
	registered := map[string]bool{}
	for _, r := range s.Router.Routes() {
		method, path, _ := strings.Cut(r.Pattern, " ")
		if !strings.HasPrefix(path, "/api/") {
			continue
		}
		key := apiRoutePattern(method + " " + path)
		registered[key] = true
		if !documented[key] {
			t.Errorf("API route %q is not described in internal/app/openapi.json. Whoever adds an /api/ route adds it there too: "+
				"path, method, request and response schemas, and the error answers (see the account routes for the pattern)", r.Pattern)
		}
	}
	for key := range documented {
		if !registered[key] {
			t.Errorf("internal/app/openapi.json describes %q, which the server does not register: remove it, or register the route", key)
		}
	}
}

func TestOpenAPIDocumentIsWhole(t *testing.T) {
	doc := loadOpenAPI(t)
	raw := string(app.OpenAPI())
	// Every reference points at a schema that exists.
	for _, m := range regexp.MustCompile(`"\$ref":\s*"([^"]+)"`).FindAllStringSubmatch(raw, -1) {
		name, ok := strings.CutPrefix(m[1], "#/components/schemas/")
		if !ok || doc.Components.Schemas[name] == nil {
			t.Errorf("$ref %q points at no schema", m[1])
		}
	}
	wildcard := regexp.MustCompile(`\{([^}]+)\}`)
	for path, item := range doc.Paths {
		var shared []parameter
		if p, ok := item["parameters"]; ok {
			if err := json.Unmarshal(p, &shared); err != nil {
				t.Fatalf("%s parameters: %v", path, err)
			}
		}
		for key, rawOp := range item {
			if !slices.Contains(httpMethods, key) {
				continue
			}
			what := strings.ToUpper(key) + " " + path
			var op operation
			if err := json.Unmarshal(rawOp, &op); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if len(op.Responses) == 0 {
				t.Errorf("%s has no responses", what)
			}
			// Every path wildcard is a required path parameter.
			for _, w := range wildcard.FindAllStringSubmatch(path, -1) {
				found := false
				for _, p := range append(slices.Clone(shared), op.Parameters...) {
					found = found || (p.Name == w[1] && p.In == "path" && p.Required)
				}
				if !found {
					t.Errorf("%s: {%s} is not declared as a required path parameter", what, w[1])
				}
			}
			// Errors use the one error schema; bodies are JSON.
			for status, resp := range op.Responses {
				if status[0] == '4' || status[0] == '5' {
					if !strings.Contains(string(resp.Content["application/json"].Schema), "#/components/schemas/Error") {
						t.Errorf("%s: answer %s does not use the Error schema", what, status)
					}
				}
			}
			if op.RequestBody != nil && op.RequestBody.Content["application/json"].Schema == nil {
				t.Errorf("%s: request body is not application/json", what)
			}
		}
	}
}

func TestOpenAPIIsServed(t *testing.T) {
	s := apptest.Start(t)
	resp, err := http.Get(s.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !bytes.Equal(body, app.OpenAPI()) {
		t.Fatal("the served document is not internal/app/openapi.json")
	}
}

// TestAccountAnswersMatchTheirSchemas calls the account API and checks each
// answer against the schema the document gives for it, so the document
// cannot drift from what the handlers send.
func TestAccountAnswersMatchTheirSchemas(t *testing.T) {
	s := apptest.Start(t)
	doc := loadOpenAPI(t)
	call := func(token, method, path string, body any, status int) any {
		t.Helper()
		var out any
		got := s.JSON(t, token, method, path, body, &out)
		if got != status {
			t.Fatalf("%s %s: %d, want %d (%v)", method, path, got, status, out)
		}
		checkAgainstDoc(t, doc, method, path, status, out)
		return out
	}
	netAdmin := s.Login(t, 0, web.RoleAdmin)
	session := call("", "POST", "/api/v1/session", map[string]string{"handle": netAdmin.Handle, "passphrase": netAdmin.Passphrase}, 201)
	token := session.(map[string]any)["token"].(string)
	call(token, "GET", "/api/v1/me", nil, 200)
	call(token, "POST", "/api/v1/orgs", map[string]string{"name": "Third", "slug": "third"}, 201)
	call(token, "POST", "/api/v1/orgs", map[string]string{"name": "", "slug": "Bad Slug"}, 422)
	inv := call(token, "POST", "/api/v1/invites", map[string]string{"role": "member", "org": "third"}, 201)
	code := inv.(map[string]any)["code"].(string)
	call("", "POST", "/api/v1/register", map[string]string{"code": code, "handle": "schema-checked", "passphrase": "a long passphrase"}, 201)
	call("", "POST", "/api/v1/register", map[string]string{"code": code, "handle": "again", "passphrase": "a long passphrase"}, 422)
	call("", "POST", "/api/v1/session", map[string]string{"handle": "schema-checked", "passphrase": "wrong passphrase"}, 401)
	call(token, "POST", "/api/v1/session/second-factor", map[string]string{"code": "123456"}, 404)
	call(token, "DELETE", "/api/v1/session", nil, 204)
	call(token, "GET", "/api/v1/me", nil, 401)
}

// checkAgainstDoc validates an answer against its response schema.
func checkAgainstDoc(t *testing.T, doc openAPI, method, path string, status int, v any) {
	t.Helper()
	var op operation
	if err := json.Unmarshal(doc.Paths[path][strings.ToLower(method)], &op); err != nil {
		t.Fatalf("%s %s: not in the document: %v", method, path, err)
	}
	resp, ok := op.Responses[fmt.Sprint(status)]
	if !ok {
		t.Errorf("%s %s: answered %d, which the document does not list", method, path, status)
		return
	}
	schema := resp.Content["application/json"].Schema
	if schema == nil {
		if v != nil {
			t.Errorf("%s %s %d: the document gives no body, the answer has %v", method, path, status, v)
		}
		return
	}
	for _, problem := range validate(doc, schema, v, "") {
		t.Errorf("%s %s %d: %s", method, path, status, problem)
	}
}

// validate checks v against the small part of JSON Schema the document uses:
// $ref, type, enum, required, properties, additionalProperties and items.
func validate(doc openAPI, raw json.RawMessage, v any, at string) []string {
	var s struct {
		Ref                  string                     `json:"$ref"`
		Type                 string                     `json:"type"`
		Enum                 []any                      `json:"enum"`
		Required             []string                   `json:"required"`
		Properties           map[string]json.RawMessage `json:"properties"`
		AdditionalProperties json.RawMessage            `json:"additionalProperties"`
		Items                json.RawMessage            `json:"items"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return []string{fmt.Sprintf("%s: bad schema: %v", at, err)}
	}
	if s.Ref != "" {
		return validate(doc, doc.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")], v, at)
	}
	var out []string
	if len(s.Enum) > 0 && !slices.Contains(s.Enum, v) {
		out = append(out, fmt.Sprintf("%s: %v is not one of %v", at, v, s.Enum))
	}
	switch s.Type {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			return append(out, fmt.Sprintf("%s: %T, want an object", at, v))
		}
		for _, r := range s.Required {
			if _, ok := obj[r]; !ok {
				out = append(out, fmt.Sprintf("%s: required %q is missing", at, r))
			}
		}
		for k, val := range obj {
			if ps, ok := s.Properties[k]; ok {
				out = append(out, validate(doc, ps, val, at+"."+k)...)
			} else if string(s.AdditionalProperties) == "false" {
				out = append(out, fmt.Sprintf("%s: %q is not in the schema", at, k))
			} else if len(s.AdditionalProperties) > 0 && string(s.AdditionalProperties) != "true" {
				out = append(out, validate(doc, s.AdditionalProperties, val, at+"."+k)...)
			}
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			return append(out, fmt.Sprintf("%s: %T, want an array", at, v))
		}
		for i, x := range arr {
			out = append(out, validate(doc, s.Items, x, fmt.Sprintf("%s[%d]", at, i))...)
		}
	case "string":
		if _, ok := v.(string); !ok {
			out = append(out, fmt.Sprintf("%s: %T, want a string", at, v))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			out = append(out, fmt.Sprintf("%s: %T, want a boolean", at, v))
		}
	case "integer", "number":
		if _, ok := v.(float64); !ok {
			out = append(out, fmt.Sprintf("%s: %T, want a number", at, v))
		}
	}
	return out
}
