package crud

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/caddy-crud/caddy-crud/intercept"
	"github.com/caddy-crud/caddy-crud/rules"
)

// OpenAPI derives resources, actions and request validation from an
// OpenAPI 3.0 or 3.1 document:
// `openapi <file> [{ validate_responses report|enforce }]`.
type OpenAPI struct {
	// File is the OpenAPI document, YAML or JSON. A relative path is read
	// from Caddy's working directory.
	File string `json:"file"`

	// ValidateResponses checks 2xx JSON responses against the schema their
	// operation declares for the status: `report` logs and counts a
	// mismatch (caddy_http_crud_response_mismatches_total), `enforce`
	// answers 502 instead. Default: off.
	ValidateResponses string `json:"validate_responses,omitempty"`
}

// validateResponsesChoice are the words of validate_responses.
var validateResponsesChoice = intercept.Choice{"report", "enforce"}

// validate checks the value of validate_responses.
func (o *OpenAPI) validate() error {
	return validateResponsesChoice.Check("openapi: validate_responses", o.ValidateResponses)
}

// openAPIMethods are the operations of a path item, in the order actions
// are declared.
var openAPIMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// resources reads the document: one resource per collection path (a
// path's template less a last `{param}` segment), one action per
// operation, named by its operationId, with a parameters statement for its
// path and query parameters and a schema statement for its JSON request body.
func (o *OpenAPI) resources() ([]*intercept.Resource, error) {
	doc, err := rules.LoadDocument(o.File)
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	root, _ := doc.(map[string]any)
	version, _ := root["openapi"].(string)
	if !strings.HasPrefix(version, "3.0") && !strings.HasPrefix(version, "3.1") {
		return nil, fmt.Errorf("openapi %s: not an OpenAPI 3.0 or 3.1 document (openapi: %q)", o.File, version)
	}
	prefix := serverPrefix(root)
	paths, _ := root["paths"].(map[string]any)
	templates := make([]string, 0, len(paths))
	for t := range paths {
		templates = append(templates, t)
	}
	sort.Strings(templates)

	var out []*intercept.Resource
	byBase := map[string]*intercept.Resource{}
	names := map[string]bool{}
	for _, tmpl := range templates {
		item, _ := paths[tmpl].(map[string]any)
		base := prefix + collectionOf(tmpl)
		res := byBase[base]
		if res == nil {
			res = &intercept.Resource{Name: uniqueName(resourceName(base), names), Base: base, RestOff: true}
			byBase[base] = res
			out = append(out, res)
		}
		for _, method := range openAPIMethods {
			op, ok := item[method].(map[string]any)
			if !ok {
				continue
			}
			ptr := "/paths/" + escapePointer(tmpl) + "/" + method
			action, _ := op["operationId"].(string)
			if action == "" {
				action = method + strings.ReplaceAll(strings.NewReplacer("{", "", "}", "").Replace(tmpl), "/", "_")
			}
			res.Actions = append(res.Actions, &intercept.Action{Name: action, Method: strings.ToUpper(method), Path: prefix + tmpl})
			var stmts []*rules.Statement
			if params := o.parameters(item, op, ptr); len(params) > 0 {
				stmts = append(stmts, &rules.Statement{Op: "parameters", Parameters: params})
			}
			if media := jsonMedia(op, "requestBody"); media != "" {
				stmts = append(stmts, &rules.Statement{Op: "schema",
					SchemaFile: o.File + "#" + ptr + "/requestBody/content/" + escapePointer(media) + "/schema"})
			}
			if len(stmts) > 0 {
				res.Before = append(res.Before, &rules.Block{Actions: []string{action}, Statements: stmts})
			}
			if responses := o.responseSchemas(op, ptr); o.ValidateResponses != "" && len(responses) > 0 {
				res.After = append(res.After, &rules.Block{Actions: []string{action}, Statements: []*rules.Statement{
					{Op: "response_schema", Responses: responses, Enforce: o.ValidateResponses == "enforce"}}})
			}
		}
	}
	return out, nil
}

// parameters lists an operation's path and query parameters with a
// schema (the path item's, unless the operation redefines them).
func (o *OpenAPI) parameters(item, op map[string]any, ptr string) []rules.Parameter {
	var out []rules.Parameter
	seen := map[string]bool{}
	add := func(list []any, at string) {
		for i, x := range list {
			p, _ := x.(map[string]any)
			name, _ := p["name"].(string)
			in, _ := p["in"].(string)
			if (in != "query" && in != "path") || seen[in+" "+name] {
				continue
			}
			if _, ok := p["schema"]; !ok {
				continue
			}
			seen[in+" "+name] = true
			required, _ := p["required"].(bool)
			out = append(out, rules.Parameter{Name: name, In: in, Required: required || in == "path",
				SchemaFile: fmt.Sprintf("%s#%s/parameters/%d/schema", o.File, at, i)})
		}
	}
	opParams, _ := op["parameters"].([]any)
	add(opParams, ptr)
	itemParams, _ := item["parameters"].([]any)
	add(itemParams, ptr[:strings.LastIndex(ptr, "/")])
	return out
}

// responseSchemas are the JSON schemas of an operation's 2xx (and
// default) responses, by status, as `file#pointer`.
func (o *OpenAPI) responseSchemas(op map[string]any, ptr string) map[string]string {
	responses, _ := op["responses"].(map[string]any)
	out := map[string]string{}
	for status := range responses {
		if !strings.HasPrefix(status, "2") && status != "default" {
			continue
		}
		if media := jsonMedia(responses, status); media != "" {
			out[status] = o.File + "#" + ptr + "/responses/" + escapePointer(status) + "/content/" + escapePointer(media) + "/schema"
		}
	}
	return out
}

// jsonMedia is the JSON media type of the content of obj[key] (a request
// body or a response), "" when it has none (or a $ref, which this reading
// does not follow).
func jsonMedia(obj map[string]any, key string) string {
	body, _ := obj[key].(map[string]any)
	content, _ := body["content"].(map[string]any)
	types := make([]string, 0, len(content))
	for t := range content {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		mt := strings.ToLower(strings.TrimSpace(strings.Split(t, ";")[0]))
		if mt == "application/json" || strings.HasSuffix(mt, "+json") {
			if m, _ := content[t].(map[string]any); m["schema"] != nil {
				return t
			}
		}
	}
	return ""
}

// serverPrefix is the path of the document's first server URL, e.g. /api/v3.
func serverPrefix(root map[string]any) string {
	servers, _ := root["servers"].([]any)
	if len(servers) == 0 {
		return ""
	}
	s, _ := servers[0].(map[string]any)
	raw, _ := s["url"].(string)
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(u.Path, "/")
}

// collectionOf drops a last `{param}` segment: /pets/{id} is in /pets.
func collectionOf(tmpl string) string {
	tmpl = strings.TrimSuffix(tmpl, "/")
	i := strings.LastIndex(tmpl, "/")
	if i > 0 && strings.HasPrefix(tmpl[i+1:], "{") && strings.HasSuffix(tmpl, "}") {
		return tmpl[:i]
	}
	if tmpl == "" {
		return "/"
	}
	return tmpl
}

// resourceName names a derived resource after its base: /store/order is store_order.
func resourceName(base string) string {
	var parts []string
	for _, seg := range strings.Split(base, "/") {
		seg = strings.Trim(seg, "{}")
		if seg != "" {
			parts = append(parts, seg)
		}
	}
	if len(parts) == 0 {
		return "root"
	}
	return strings.Join(parts, "_")
}

func uniqueName(name string, taken map[string]bool) string {
	n := name
	for i := 2; taken[n]; i++ {
		n = fmt.Sprintf("%s_%d", name, i)
	}
	taken[n] = true
	return n
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// withOpenAPI joins the resources derived from the document with the
// declared ones: a declared resource whose base is a path of the document
// adds its name, options and blocks to that path's resource (after the
// document's blocks); one that maps a document operation under another
// base, or names an action the document lacks, is an error naming both.
func withOpenAPI(derived, declared []*intercept.Resource) ([]*intercept.Resource, error) {
	byBase := map[string]*intercept.Resource{}
	ops := map[string]*intercept.Resource{} // "METHOD template" → derived resource
	for _, d := range derived {
		byBase[templateKey(d.Base)] = d
		for _, a := range d.Actions {
			ops[a.Method+" "+templateKey(a.Path)] = d
			byBase[templateKey(a.Path)] = d // any path of the document names its resource
		}
	}
	out := slices.Clone(derived)
	for _, r := range declared {
		d := byBase[templateKey(r.Base)]
		if d == nil {
			for _, a := range r.Actions {
				if owner := ops[a.Method+" "+templateKey(a.Path)]; owner != nil {
					return nil, fmt.Errorf("resource %q (base %s): action %s maps %s %s, which the OpenAPI document puts in resource %q (base %s)",
						r.Name, r.Base, a.Name, a.Method, a.Path, owner.Name, owner.Base)
				}
			}
			out = append(out, r)
			continue
		}
		if len(r.Actions) > 0 || r.RestOff {
			return nil, fmt.Errorf("resource %q (base %s): the OpenAPI document maps this base's actions (%s); declare rules and options only",
				r.Name, r.Base, actionList(d))
		}
		for _, blocks := range [][]*rules.Block{r.Before, r.After, r.Async} {
			for _, b := range blocks {
				for _, a := range b.Actions {
					if a == "all" || slices.ContainsFunc(d.Actions, func(x *intercept.Action) bool { return x.Name == a }) {
						continue
					}
					return nil, fmt.Errorf("resource %q (base %s): action %q is not an operation of the OpenAPI document's resource %q (%s)",
						r.Name, r.Base, a, d.Name, actionList(d))
				}
			}
		}
		merged := *r
		merged.Base, merged.RestOff, merged.Actions = d.Base, true, d.Actions
		merged.Before = append(slices.Clone(d.Before), r.Before...)
		merged.After = append(slices.Clone(d.After), r.After...)
		merged.Async = append(slices.Clone(d.Async), r.Async...)
		out[slices.Index(out, d)] = &merged
		for k, v := range byBase {
			if v == d {
				byBase[k] = &merged
			}
		}
	}
	return out, nil
}

// templateKey is a path template with its parameter names left out, so
// /pets/{id} and /pets/{petId} are one path.
func templateKey(tmpl string) string {
	segs := strings.Split(strings.TrimSuffix(tmpl, "/"), "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			segs[i] = "{}"
		}
	}
	return strings.Join(segs, "/")
}

func actionList(r *intercept.Resource) string {
	names := make([]string, len(r.Actions))
	for i, a := range r.Actions {
		names[i] = a.Name
	}
	return strings.Join(names, ", ")
}
