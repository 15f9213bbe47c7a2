// Package demo is a small in-memory REST API as a Caddy HTTP handler
// (module ID http.handlers.crud_demo, Caddyfile directive `crud_demo`), so
// the project's example runs in one process with no other server.
//
// It is a terminal handler: it answers every request itself and never calls
// the next handler. It serves any collection under /api/<collection>:
//
//	GET    /api/<c>       200 {"data":[...records in id order...],"total":N}
//	GET    /api/<c>/<id>  200 record, or 404 {"error":"not found"}
//	POST   /api/<c>       201 the stored record
//	PUT    /api/<c>/<id>  200 the record, replaced (keeps its id)
//	PATCH  /api/<c>/<id>  200 the record, top-level fields merged
//	DELETE /api/<c>/<id>  204
//
// Records are kept as the raw JSON objects the client sent (key order,
// spacing and number spelling included), so an answer shows exactly what
// reached the API, e.g. what a gateway in front of it passed upstream. POST
// adds `id` (the next integer) and `createdAt` (RFC 3339, UTC, seconds) only
// when they are absent. A body that is not a JSON object gets 400, any other
// method 405.
//
// The store lives in the module instance: it is lost, and seeded afresh, on
// every config load or reload. At provision the collection `users` is seeded
// with Ada (id 1, admin) and Linus (id 2, member) unless `seed off`:
//
//	crud_demo {
//		seed off
//	}
package demo

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

func init() {
	caddy.RegisterModule(Demo{})
	httpcaddyfile.RegisterHandlerDirective("crud_demo", parseCaddyfile)
	httpcaddyfile.RegisterDirectiveOrder("crud_demo", httpcaddyfile.Before, "file_server")
}

// maxBody is the largest request body accepted, in bytes.
const maxBody = 1 << 20

// Seed records of the collection `users`.
var seedUsers = []string{
	`{"id":1,"name":"Ada","email":"ada@example.com","role":"admin","password":"$2y$10$demo-hash-ada","createdAt":"2026-01-01T00:00:00Z"}`,
	`{"id":2,"name":"Linus","email":"linus@example.com","role":"member","password":"$2y$10$demo-hash-linus","createdAt":"2026-01-01T00:00:00Z"}`,
}

// Demo is the `crud_demo` handler (module ID http.handlers.crud_demo).
type Demo struct {
	// SeedOff leaves the store empty at provision (`seed off`).
	SeedOff bool `json:"seed_off,omitempty"`

	store *store
}

// CaddyModule returns the Caddy module information.
func (Demo) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.crud_demo",
		New: func() caddy.Module { return new(Demo) },
	}
}

// Provision creates the store and seeds it.
func (d *Demo) Provision(caddy.Context) error {
	d.store = newStore()
	if !d.SeedOff {
		for _, u := range seedUsers {
			if _, status, msg := d.store.create("users", []byte(u)); status != http.StatusCreated {
				return errors.New("crud_demo: seeding users: " + msg)
			}
		}
	}
	return nil
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens:
//
//	crud_demo [{
//		seed on|off
//	}]
func (d *Demo) UnmarshalCaddyfile(disp *caddyfile.Dispenser) error {
	disp.Next() // the directive name
	if disp.NextArg() {
		return disp.ArgErr()
	}
	for disp.NextBlock(0) {
		switch disp.Val() {
		case "seed":
			if !disp.NextArg() {
				return disp.ArgErr()
			}
			switch disp.Val() {
			case "on":
				d.SeedOff = false
			case "off":
				d.SeedOff = true
			default:
				return disp.Errf("seed must be on or off, not %q", disp.Val())
			}
			if disp.NextArg() {
				return disp.ArgErr()
			}
		default:
			return disp.Errf("unknown crud_demo option %q", disp.Val())
		}
	}
	return nil
}

func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	d := new(Demo)
	err := d.UnmarshalCaddyfile(h.Dispenser)
	return d, err
}

// ServeHTTP answers the request; it never calls next.
func (d *Demo) ServeHTTP(w http.ResponseWriter, r *http.Request, _ caddyhttp.Handler) error {
	d.serve(w, r)
	return nil
}

func (d *Demo) serve(w http.ResponseWriter, r *http.Request) {
	coll, id, ok := splitPath(r.URL.Path)
	if !ok {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	s := d.store
	if id == "" {
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			writeJSON(w, http.StatusOK, s.list(coll))
		case http.MethodPost:
			body, ok := readObject(w, r)
			if !ok {
				return
			}
			rec, status, msg := s.create(coll, body)
			if status != http.StatusCreated {
				writeError(w, status, msg)
				return
			}
			writeJSON(w, status, rec)
		default:
			w.Header().Set("Allow", "GET, HEAD, POST")
			writeError(w, http.StatusMethodNotAllowed, "method not allowed")
		}
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		rec := s.get(coll, id)
		if rec == nil {
			writeError(w, http.StatusNotFound, "not found")
			return
		}
		writeJSON(w, http.StatusOK, rec)
	case http.MethodPut, http.MethodPatch:
		body, ok := readObject(w, r)
		if !ok {
			return
		}
		rec, status, msg := s.update(coll, id, body, r.Method == http.MethodPatch)
		if status != http.StatusOK {
			writeError(w, status, msg)
			return
		}
		writeJSON(w, status, rec)
	case http.MethodDelete:
		if !s.remove(coll, id) {
			writeError(w, http.StatusNotFound, "not found")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "GET, HEAD, PUT, PATCH, DELETE")
		writeError(w, http.StatusMethodNotAllowed, "method not allowed")
	}
}

// splitPath splits /api/<collection>[/<id>] (one trailing slash allowed).
func splitPath(p string) (coll, id string, ok bool) {
	rest, found := strings.CutPrefix(p, "/api/")
	if !found {
		return "", "", false
	}
	rest = strings.TrimSuffix(rest, "/")
	coll, id, _ = strings.Cut(rest, "/")
	if coll == "" || strings.Contains(id, "/") {
		return "", "", false
	}
	return coll, id, true
}

// readObject reads the request body and checks that it is one JSON object;
// if not, it answers 400 (or 413) and returns false. Surrounding whitespace
// is trimmed, everything else is kept as sent.
func readObject(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "body too large")
		} else {
			writeError(w, http.StatusBadRequest, "cannot read body")
		}
		return nil, false
	}
	body = bytes.TrimSpace(body)
	switch {
	case len(body) == 0:
		writeError(w, http.StatusBadRequest, "empty body: want a JSON object")
	case !gjson.ValidBytes(body):
		writeError(w, http.StatusBadRequest, "malformed JSON")
	case body[0] != '{':
		writeError(w, http.StatusBadRequest, "body must be a JSON object")
	default:
		return body, true
	}
	return nil, false
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	body, _ := sjson.SetBytes([]byte(`{}`), "error", msg)
	writeJSON(w, status, body)
}

// store holds the collections; each record is its raw JSON object.
type store struct {
	mu    sync.RWMutex
	colls map[string]*collection
	now   func() time.Time
}

type collection struct {
	next int64              // next id POST assigns
	recs map[string]*record // by id key: the integer's text, or the string
}

type record struct {
	key   string
	num   int64 // the id, when numeric
	isNum bool
	raw   []byte
}

func newStore() *store {
	return &store{colls: map[string]*collection{}, now: time.Now}
}

// idKey gives the key of an id value: integers and non-empty strings only.
func idKey(id gjson.Result) (key string, num int64, isNum bool, ok bool) {
	switch id.Type {
	case gjson.Number:
		n, err := strconv.ParseInt(id.Raw, 10, 64)
		if err != nil {
			return "", 0, false, false
		}
		return strconv.FormatInt(n, 10), n, true, true
	case gjson.String:
		return id.Str, 0, false, id.Str != ""
	}
	return "", 0, false, false
}

func (s *store) list(coll string) []byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var recs []*record
	if c := s.colls[coll]; c != nil {
		recs = make([]*record, 0, len(c.recs))
		for _, r := range c.recs {
			recs = append(recs, r)
		}
	}
	// Integer ids first, by value, then string ids.
	sort.Slice(recs, func(i, j int) bool {
		a, b := recs[i], recs[j]
		if a.isNum != b.isNum {
			return a.isNum
		}
		if a.isNum {
			return a.num < b.num
		}
		return a.key < b.key
	})
	var buf bytes.Buffer
	buf.WriteString(`{"data":[`)
	for i, r := range recs {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(r.raw)
	}
	buf.WriteString(`],"total":`)
	buf.WriteString(strconv.Itoa(len(recs)))
	buf.WriteByte('}')
	return buf.Bytes()
}

func (s *store) get(coll, id string) []byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if c := s.colls[coll]; c != nil {
		if r := c.recs[id]; r != nil {
			return r.raw
		}
	}
	return nil
}

// create stores obj, adding id and createdAt when absent; it returns the
// stored record and 201, or an error status and message.
func (s *store) create(coll string, obj []byte) ([]byte, int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.colls[coll]
	if c == nil {
		c = &collection{next: 1, recs: map[string]*record{}}
		s.colls[coll] = c
	}
	rec := append([]byte(nil), obj...)
	var err error
	idv := gjson.GetBytes(rec, "id")
	if !idv.Exists() {
		rec, err = sjson.SetBytes(rec, "id", c.next)
		if err != nil {
			return nil, http.StatusInternalServerError, err.Error()
		}
		idv = gjson.GetBytes(rec, "id")
	}
	key, num, isNum, ok := idKey(idv)
	if !ok {
		return nil, http.StatusBadRequest, "id must be an integer or a non-empty string"
	}
	if c.recs[key] != nil {
		return nil, http.StatusConflict, "id already exists"
	}
	if !gjson.GetBytes(rec, "createdAt").Exists() {
		ts := s.now().UTC().Truncate(time.Second).Format(time.RFC3339)
		rec, err = sjson.SetBytes(rec, "createdAt", ts)
		if err != nil {
			return nil, http.StatusInternalServerError, err.Error()
		}
	}
	if isNum && num >= c.next {
		c.next = num + 1
	}
	c.recs[key] = &record{key: key, num: num, isNum: isNum, raw: rec}
	return rec, http.StatusCreated, ""
}

// update replaces the record (or, for merge, sets the top-level fields of
// obj on it), keeping its id; it returns the record and 200, or an error
// status and message.
func (s *store) update(coll, id string, obj []byte, merge bool) ([]byte, int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.colls[coll]
	if c == nil || c.recs[id] == nil {
		return nil, http.StatusNotFound, "not found"
	}
	r := c.recs[id]
	oldID := gjson.GetBytes(r.raw, "id").Raw
	var rec []byte
	if merge {
		rec = mergeTop(r.raw, obj)
	} else {
		rec = append([]byte(nil), obj...)
	}
	rec, err := sjson.SetRawBytes(rec, "id", []byte(oldID))
	if err != nil {
		return nil, http.StatusInternalServerError, err.Error()
	}
	r.raw = rec
	return rec, http.StatusOK, ""
}

// mergeTop returns base with each top-level field of patch set: fields base
// has are replaced where they stand, new ones are appended in patch order.
// Keys and values are copied raw, as sent; of duplicate keys the last wins.
func mergeTop(base, patch []byte) []byte {
	type field struct{ name, key, val string }
	var add []field // patch fields, first-seen order
	at := map[string]int{}
	gjson.ParseBytes(patch).ForEach(func(k, v gjson.Result) bool {
		if i, ok := at[k.Str]; ok {
			add[i].val = v.Raw
		} else {
			at[k.Str] = len(add)
			add = append(add, field{k.Str, k.Raw, v.Raw})
		}
		return true
	})
	var buf bytes.Buffer
	buf.WriteByte('{')
	write := func(k, v string) {
		if buf.Len() > 1 {
			buf.WriteByte(',')
		}
		buf.WriteString(k)
		buf.WriteByte(':')
		buf.WriteString(v)
	}
	used := map[string]bool{}
	gjson.ParseBytes(base).ForEach(func(k, v gjson.Result) bool {
		if i, ok := at[k.Str]; ok {
			used[k.Str] = true
			write(k.Raw, add[i].val)
		} else {
			write(k.Raw, v.Raw)
		}
		return true
	})
	for _, f := range add {
		if !used[f.name] {
			write(f.key, f.val)
		}
	}
	buf.WriteByte('}')
	return buf.Bytes()
}

func (s *store) remove(coll, id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.colls[coll]
	if c == nil || c.recs[id] == nil {
		return false
	}
	delete(c.recs, id)
	return true
}

// Interface guards
var (
	_ caddy.Provisioner           = (*Demo)(nil)
	_ caddyhttp.MiddlewareHandler = (*Demo)(nil)
	_ caddyfile.Unmarshaler       = (*Demo)(nil)
)
