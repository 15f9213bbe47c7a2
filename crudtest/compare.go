package crudtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// compare lists what got differs from the case's expectation.
func compare(c *Case, got *Got, rule string) []string {
	var out []string
	ex := &c.Expect
	if ex.Status != 0 && ex.Status != got.Status {
		out = append(out, fmt.Sprintf("status: want %d, got %d", ex.Status, got.Status))
	}
	out = compareBody(out, "body", ex.Body, ex.BodyContains, ex.BodyRaw, got.Body)
	out = compareHeaders(out, "headers", ex.Headers, got.Headers)
	if ex.Errors != nil {
		out = compareErrors(out, *ex.Errors, got.Body)
	}
	for _, f := range []struct{ name, want, got string }{
		{"resource", ex.Resource, got.Resource},
		{"action", ex.Action, got.Action},
		{"outcome", ex.Outcome, got.Outcome},
	} {
		if f.want != "" && f.want != f.got {
			out = append(out, fmt.Sprintf("%s: want %q, got %q", f.name, f.want, f.got))
		}
	}
	if ex.Rule != "" && !strings.Contains(rule, ex.Rule) {
		out = append(out, fmt.Sprintf("rule: want one at %q, got %q", ex.Rule, rule))
	}
	if ex.Upstream != nil {
		out = compareUpstream(out, ex.Upstream, got)
	}
	if ex.Webhooks != nil {
		out = compareWebhooks(out, *ex.Webhooks, got.Webhooks)
	}
	for _, want := range ex.Logs {
		if !slices.ContainsFunc(got.Logs, func(l string) bool { return strings.Contains(l, want) }) {
			out = append(out, fmt.Sprintf("logs: want a line with %q, got none", want))
		}
	}
	return out
}

func compareUpstream(out []string, ex *ExpectUpstream, got *Got) []string {
	called := ex.Called == nil || *ex.Called
	u := got.Upstream
	switch {
	case !called && u != nil:
		return append(out, fmt.Sprintf("upstream: want never called, got %s %s", u.Method, u.target()))
	case !called:
		return out
	case u == nil:
		return append(out, fmt.Sprintf("upstream: want called, got never called (the client got %d)", got.Status))
	}
	if ex.Method != "" && !strings.EqualFold(ex.Method, u.Method) {
		out = append(out, fmt.Sprintf("upstream.method: want %s, got %s", strings.ToUpper(ex.Method), u.Method))
	}
	if ex.Path != "" && ex.Path != u.Path {
		out = append(out, fmt.Sprintf("upstream.path: want %q, got %q", ex.Path, u.Path))
	}
	if len(ex.Query) > 0 {
		q, _ := url.ParseQuery(u.Query)
		for _, k := range sortedKeys(ex.Query) {
			want := ex.Query[k]
			switch {
			case want == "" && q.Has(k):
				out = append(out, fmt.Sprintf("upstream.query.%s: want absent, got %q", k, q.Get(k)))
			case want != "" && !q.Has(k):
				out = append(out, fmt.Sprintf("upstream.query.%s: want %q, got absent", k, want))
			case want != "" && q.Get(k) != want:
				out = append(out, fmt.Sprintf("upstream.query.%s: want %q, got %q", k, want, q.Get(k)))
			}
		}
	}
	out = compareHeaders(out, "upstream.headers", ex.Headers, u.Headers)
	return compareBody(out, "upstream.body", ex.Body, ex.BodyContains, ex.BodyRaw, u.Body)
}

func (r *Received) target() string {
	if r.Query == "" {
		return r.Path
	}
	return r.Path + "?" + r.Query
}

func compareWebhooks(out []string, want []ExpectWebhook, got []Webhook) []string {
	if len(want) != len(got) {
		var urls []string
		for _, g := range got {
			urls = append(urls, g.URL)
		}
		out = append(out, fmt.Sprintf("webhooks: want %d, got %d %v", len(want), len(got), urls))
	}
	for i := range min(len(want), len(got)) {
		name := fmt.Sprintf("webhooks[%d]", i)
		if want[i].URL != "" && want[i].URL != got[i].URL {
			out = append(out, fmt.Sprintf("%s.url: want %q, got %q", name, want[i].URL, got[i].URL))
		}
		out = compareBody(out, name+".body", want[i].Body, want[i].BodyContains, nil, string(got[i].Body))
	}
	return out
}

func compareErrors(out []string, want []FieldError, body string) []string {
	var p struct {
		Errors []FieldError `json:"errors"`
	}
	_ = json.Unmarshal([]byte(body), &p)
	if len(want) != len(p.Errors) {
		out = append(out, fmt.Sprintf("errors: want %d, got %d %s", len(want), len(p.Errors), encode(p.Errors)))
		return out
	}
	for i := range want {
		if want[i] != p.Errors[i] {
			out = append(out, fmt.Sprintf("errors[%d]: want %s, got %s", i, encode(want[i]), encode(p.Errors[i])))
		}
	}
	return out
}

// compareHeaders checks the headers given; "" means absent.
func compareHeaders(out []string, name string, want, got map[string]string) []string {
	for _, k := range sortedKeys(want) {
		w := want[k]
		g, ok := got[http.CanonicalHeaderKey(k)]
		switch {
		case w == "" && ok:
			out = append(out, fmt.Sprintf("%s.%s: want absent, got %q", name, k, g))
		case w != "" && !ok:
			out = append(out, fmt.Sprintf("%s.%s: want %q, got absent", name, k, w))
		case w != "" && g != w:
			out = append(out, fmt.Sprintf("%s.%s: want %q, got %q", name, k, w, g))
		}
	}
	return out
}

// compareBody checks a body against an exact JSON value, a JSON subset
// and exact bytes, each when given.
func compareBody(out []string, name string, exact, subset any, raw *string, got string) []string {
	if raw != nil && *raw != got {
		out = append(out, fmt.Sprintf("%s: want %q, got %q", name, *raw, got))
	}
	if exact == nil && subset == nil {
		return out
	}
	var g any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		return append(out, fmt.Sprintf("%s: want JSON, got %q", name, truncate(got)))
	}
	if exact != nil {
		out = diff(out, name, normalize(exact), g, false)
	}
	if subset != nil {
		out = diff(out, name, normalize(subset), g, true)
	}
	return out
}

// normalize turns a value decoded from YAML into what the same JSON
// decodes to.
func normalize(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var n any
	_ = json.Unmarshal(b, &n)
	return n
}

// diff appends a line per difference between two JSON values. With
// subset, an object may have keys want does not name.
func diff(out []string, path string, want, got any, subset bool) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			break
		}
		for _, k := range sortedKeys(w) {
			gv, ok := g[k]
			if !ok {
				out = append(out, fmt.Sprintf("%s: want %s, got absent", join(path, k), truncate(encode(w[k]))))
				continue
			}
			out = diff(out, join(path, k), w[k], gv, subset)
		}
		if !subset {
			for _, k := range sortedKeys(g) {
				if _, ok := w[k]; !ok {
					out = append(out, fmt.Sprintf("%s: want absent, got %s", join(path, k), truncate(encode(g[k]))))
				}
			}
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok {
			break
		}
		if len(w) != len(g) {
			out = append(out, fmt.Sprintf("%s: want %d items, got %d: %s", path, len(w), len(g), truncate(encode(g))))
		}
		for i := range min(len(w), len(g)) {
			out = diff(out, fmt.Sprintf("%s[%d]", path, i), w[i], g[i], subset)
		}
		return out
	}
	if encode(want) != encode(got) {
		out = append(out, fmt.Sprintf("%s: want %s, got %s", path, truncate(encode(want)), truncate(encode(got))))
	}
	return out
}

func join(path, key string) string {
	if strings.ContainsAny(key, ".[] ") {
		key = strings.TrimSuffix(strings.TrimPrefix(encode(key), `"`), `"`)
		return path + "[\"" + key + "\"]"
	}
	return path + "." + key
}

func encode(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func truncate(s string) string {
	if len(s) > 200 {
		return s[:197] + "..."
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
