package crud

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/dustin/go-humanize"

	"github.com/caddy-crud/caddy-crud/intercept"
	"github.com/caddy-crud/caddy-crud/rules"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("crud", parseCaddyfile)
	// inside encode (so filtered responses are still compressed), after
	// basic_auth and forward_auth (so the caller is known), before handle,
	// route and reverse_proxy
	httpcaddyfile.RegisterDirectiveOrder("crud", httpcaddyfile.After, "encode")
}

func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	handler := new(Handler)
	if err := handler.UnmarshalCaddyfile(h.Dispenser); err != nil {
		return nil, err
	}
	return handler, nil
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens. Syntax:
//
//	crud [<matcher>] {
//	    max_body        <size>          # 1MiB, 16MB or bytes; default 1MiB
//	    max_depth       <n>             # default 64
//	    max_response    <size>          # default 16MiB
//	    max_lookups     <n>             # default 16
//	    on_error        deny|pass       # default deny
//	    mode            enforce|report  # default enforce
//	    method_override reject|allow    # default reject
//	    case_sensitive  [on|off]        # bare means on; default off
//	    openapi         <file> [{       # resources, actions, validation from an OpenAPI 3.x document
//	        validate_responses report|enforce  # check 2xx responses too; default off
//	    }]
//
//	    identity jwt {
//	        secret      <secret>        # HS256/384/512; e.g. {env.JWT_SECRET}
//	        public_key  <path>          # or: PEM file; RSA, ECDSA or Ed25519 key
//	        issuer      <iss>
//	        audience    <aud>
//	        optional                    # no token: anonymous; a bad token is 401
//	        cookie      <name>          # token cookie; the Bearer header wins
//	        leeway      <duration>      # clock skew on exp and nbf; default 30s
//	    }
//	    identity placeholder <prefix> [{  # e.g. http.auth.user after basic_auth
//	        id          <name>          # default id: user.id is {<prefix>.id}
//	        fields      <name>[><alias>]...
//	        optional                    # empty id: anonymous; default 401
//	    }]
//
//	    webhooks {
//	        store      jetstream|memory  # default jetstream (durable); memory is lossy
//	        nats       <url>[,<url>...] [{  # default: an embedded server
//	            creds    <file>
//	            nkey     <file>
//	            user     <name>
//	            password <password>      # e.g. {env.NATS_PASSWORD}
//	        }]
//	        max_events    <n>        # stream limit, default 1000000
//	        max_bytes     <size>     # stream limit, default 1GiB
//	        replicas      <n>        # per stream on a cluster, default 1
//	        store_timeout <duration> # wait for the store, default 5s
//	        queue_size <n>           # store memory only, default 1024
//	        workers    <n>           # default 4
//	        attempts   <n>           # default 5
//	        timeout    <duration>    # per attempt, default 5s
//	        grace      <duration>    # on reload or shutdown, default 5s
//	    }
//	    resource <name> <base-path> {
//	        rest            off
//	        action          <name> <METHOD> <path>[?<query>]
//	        records         <path>
//	        total           <path>
//	        fetch_old       [<METHOD> <path>[?<query>]]
//	        mode            enforce|report
//	        case_sensitive  [on|off]
//	        method_override reject|allow
//	        unmapped        reject|pass
//	        bulk            all|partial     # default all
//	        params          <names...>      # the query parameters accepted; default any
//	        non_json        reject|pass     # default reject
//
//	        before <actions...> {
//	            params <names...>           # for these actions, instead of the resource's
//	            <statement>
//	        }
//	        after <actions...> {
//	            <statement>
//	        }
//	        async <actions...> {
//	            <statement>
//	        }
//	    }
//	}
//
// where each <statement> is one line of:
//
//	deny      <cond> [<status> [<message>]]
//	require   <cond> [<status> [<message>]]
//	check     <field> <cond> <message>
//	schema    <file> | schema `<JSON Schema>`
//	set       <path> <expr> [if <cond>]
//	default   <path> <expr>
//	transform <path> <expr>
//	protect   <paths...> [if <cond>]
//	protect   strict <paths...>
//	only      <paths...>
//	hide      <paths...> [if <cond>]
//	mask      <paths...> [keep <n>] [if <cond>]
//	redact    <paths...> [with <expr>] [if <cond>]
//	drop      <cond>
//	header    <name> <expr>
//	header    -<name>
//	query     <name> <expr>
//	log       <expr> [debug|info|warn|error]
//	webhook   <url> [if <cond>] [{
//	    body   <expr>
//	    secret <whsec_...>      # Standard Webhooks signing; e.g. {env.HOOK_SECRET}
//	}]
//
// Expressions (<cond>, <expr>) are expr-lang, written in backticks so each
// is one token; messages are usually double-quoted. <status> is 400-599. The
// options of the crud block and of a resource may each be given once;
// action, resource and the rule blocks may repeat. <actions...> are action
// names or the groups read, write and all, kept as written. A word `if` is a
// keyword where the grammar shows one; quote it ("if") to name a field.
//
// The parser checks the grammar. What it reads is checked by the functions
// that check JSON configs when the handler loads (option values, a
// resource's own fields, {param} names, the identity, each statement),
// called early so that `caddy adapt` reports the line; the actions a block
// names and the base and action paths are checked when the handler is
// provisioned.
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // consume directive name
	if d.NextArg() {
		return d.Errf("unexpected argument %q; crud takes its options in a block", d.Val())
	}

	err := eachOption(d, "", []string{"resource"}, func(opt string) error {
		var err error
		switch opt {
		case "max_body":
			h.MaxBody, err = sizeArg(d, "", opt)
		case "max_depth":
			h.MaxDepth, err = countArg(d, "", opt)
		case "max_response":
			h.MaxResponse, err = sizeArg(d, "", opt)
		case "max_lookups":
			h.MaxLookups, err = countArg(d, "", opt)
		case "on_error":
			h.OnError, err = enumArg(d, "", opt, intercept.OnErrorChoice)
		case "mode":
			h.Mode, err = enumArg(d, "", opt, intercept.ModeChoice)
		case "method_override":
			h.MethodOverride, err = enumArg(d, "", opt, intercept.MethodOverrideChoice)
		case "case_sensitive":
			h.CaseSensitive, err = onOffArg(d, "", opt)
		case "identity":
			h.Identity, err = parseIdentity(d)
		case "webhooks":
			h.Webhooks, err = parseWebhooks(d)
		case "openapi":
			h.OpenAPI, err = parseOpenAPI(d)
		case "resource":
			var r *intercept.Resource
			r, err = parseResource(d)
			if err == nil {
				h.Resources = append(h.Resources, r)
			}
		default:
			return d.Errf("unknown option %q", opt)
		}
		return err
	})
	if err != nil {
		return err
	}
	return nil
}

// parseResource parses `resource <name> <base-path> [{ ... }]`; the
// dispenser is on the `resource` token.
func parseResource(d *caddyfile.Dispenser) (*intercept.Resource, error) {
	args := d.RemainingArgs()
	if len(args) != 2 {
		return nil, d.Errf("resource: wrong argument count, want: resource <name> <base-path> { ... }")
	}
	r := &intercept.Resource{Name: args[0], Base: args[1]}
	where := fmt.Sprintf("resource %q: ", r.Name)
	if err := checkParams(d, where, args[1]); err != nil {
		return nil, err
	}

	err := eachOption(d, where, []string{"action", "before", "after", "async"}, func(opt string) error {
		var err error
		switch opt {
		case "rest":
			var v string
			v, err = enumArg(d, where, opt, intercept.Choice{"off"})
			r.RestOff = v == "off"
		case "action":
			var a *intercept.Action
			a, err = parseAction(d, where)
			if err == nil {
				r.Actions = append(r.Actions, a)
			}
		case "records":
			r.Records, err = oneArg(d, where, opt, "records <path>")
		case "total":
			r.Total, err = oneArg(d, where, opt, "total <path>")
		case "fetch_old":
			args := d.RemainingArgs()
			switch len(args) {
			case 0:
				r.FetchOld = &intercept.FetchOld{}
			case 2:
				r.FetchOld = &intercept.FetchOld{Method: strings.ToUpper(args[0]), Path: args[1]}
			default:
				return d.Errf("%sfetch_old: wrong argument count, want: fetch_old [<METHOD> <path>]", where)
			}
			err = noBlock(d, where, opt)
		case "mode":
			r.Mode, err = enumArg(d, where, opt, intercept.ModeChoice)
		case "case_sensitive":
			var on bool
			on, err = onOffArg(d, where, opt)
			r.CaseSensitive = &on
		case "method_override":
			r.MethodOverride, err = enumArg(d, where, opt, intercept.MethodOverrideChoice)
		case "unmapped":
			r.Unmapped, err = enumArg(d, where, opt, intercept.UnmappedChoice)
		case "bulk":
			r.Bulk, err = enumArg(d, where, opt, intercept.BulkChoice)
		case "params":
			r.Params, err = paramsArg(d, where)
		case "non_json":
			r.NonJSON, err = enumArg(d, where, opt, intercept.NonJSONChoice)
		case "before", "after", "async":
			var b *rules.Block
			b, err = parseBlock(d, where, opt)
			if err != nil {
				break
			}
			switch opt {
			case "before":
				r.Before = append(r.Before, b)
			case "after":
				r.After = append(r.After, b)
			case "async":
				r.Async = append(r.Async, b)
			}
		default:
			return d.Errf("%sunknown option %q", where, opt)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, d.Errf("%v", err)
	}
	return r, nil
}

// parseAction parses `action <name> <METHOD> <path>[?<query>]`.
func parseAction(d *caddyfile.Dispenser, where string) (*intercept.Action, error) {
	args := d.RemainingArgs()
	if len(args) != 3 {
		return nil, d.Errf("%saction: wrong argument count, want: action <name> <METHOD> <path>[?<query>]", where)
	}
	a := &intercept.Action{Name: args[0], Method: strings.ToUpper(args[1]), Path: args[2]}
	if err := checkParams(d, where, a.Path); err != nil {
		return nil, err
	}
	if path, query, ok := strings.Cut(a.Path, "?"); ok {
		if query == "" {
			return nil, d.Errf("%saction %s: empty query after '?' in %q", where, a.Name, a.Path)
		}
		a.Path, a.Query = path, query
	}
	if a.Path == "" {
		return nil, d.Errf("%saction %s: empty path", where, a.Name)
	}
	return a, noBlock(d, where, "action")
}

// parseBlock parses `before|after|async <actions...> { statements }`; the
// dispenser is on the phase token.
func parseBlock(d *caddyfile.Dispenser, where, phase string) (*rules.Block, error) {
	actions := d.RemainingArgs()
	if len(actions) == 0 {
		return nil, d.Errf("%s%s: no actions, want: %s <actions...> { statements }", where, phase, phase)
	}
	b := &rules.Block{Actions: actions}
	where += phase + " " + strings.Join(actions, " ") + ": "
	ph, _ := rules.ParsePhase(phase)
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		line := d.Line()
		if d.Val() == "params" {
			if phase != "before" {
				return nil, d.Errf("%sparams: an option of before blocks, not of %s blocks", where, phase)
			}
			if b.Params != nil {
				return nil, d.Errf("%sparams: given more than once", where)
			}
			var err error
			if b.Params, err = paramsArg(d, where); err != nil {
				return nil, err
			}
			continue
		}
		st, err := parseStatement(d, where)
		if err != nil {
			return nil, err
		}
		b.Statements = append(b.Statements, st)
		// compile now too, so `caddy adapt` reports a broken expression
		// at its line; provisioning compiles again for JSON configs
		if err := rules.CheckStatement(ph, len(b.Statements), st); err != nil {
			return nil, fmt.Errorf("%s%v, at %s:%d", where, err, d.File(), line)
		}
	}
	if len(b.Statements) == 0 && b.Params == nil {
		return nil, d.Errf("%sno statements, want: %s <actions...> { statements }", where, phase)
	}
	return b, nil
}

// statementUsage is the grammar of each statement, for error messages; a
// name that is not here is not a statement.
var statementUsage = map[string]string{
	"deny":      "deny <cond> [<status> [<message>]]",
	"require":   "require <cond> [<status> [<message>]]",
	"check":     "check <field> <cond> <message>",
	"set":       "set <path> <expr> [if <cond>]",
	"default":   "default <path> <expr>",
	"transform": "transform <path> <expr>",
	"protect":   "protect <paths...> [if <cond>] | protect strict <paths...>",
	"only":      "only <paths...>",
	"hide":      "hide <paths...> [if <cond>]",
	"mask":      "mask <paths...> [keep <n>] [if <cond>]",
	"redact":    "redact <paths...> [with <expr>] [if <cond>]",
	"drop":      "drop <cond>",
	"header":    "header <name> <expr> | header -<name>",
	"query":     "query <name> <expr>",
	"log":       "log <expr> [debug|info|warn|error]",
	"webhook":   "webhook <url> [if <cond>] [{ body <expr>; secret <whsec_...> }]",
	"schema":    "schema <file> | schema `<JSON Schema>`",
}

// parseStatement parses one statement line; the dispenser is on its first
// token.
func parseStatement(d *caddyfile.Dispenser, where string) (*rules.Statement, error) {
	st := &rules.Statement{Op: d.Val()}
	usage, ok := statementUsage[st.Op]
	if !ok {
		return nil, d.Errf("%sunknown statement %q", where, st.Op)
	}
	where += fmt.Sprintf("statement %q: ", st.Op)
	argErr := func() error {
		return d.Errf("%swrong argument count, want: %s", where, usage)
	}

	tokens := d.RemainingArgsAsTokens()
	args := make([]string, len(tokens))
	for i, t := range tokens {
		args[i] = t.Text
	}

	switch st.Op {
	case "deny", "require":
		if len(args) < 1 || len(args) > 3 {
			return nil, argErr()
		}
		st.Expr = args[0]
		if len(args) > 1 {
			status, err := strconv.Atoi(args[1])
			if err != nil {
				return nil, d.Errf("%sstatus %q is not a number (a message comes after the status)", where, args[1])
			}
			if status < 400 || status > 599 {
				return nil, d.Errf("%sstatus %d is not an error status (400-599)", where, status)
			}
			st.Status = status
		}
		if len(args) > 2 {
			st.Message = args[2]
		}

	case "check":
		if len(args) != 3 {
			return nil, argErr()
		}
		st.Path, st.Expr, st.Message = args[0], args[1], args[2]

	case "set":
		rest, cond, hasIf, err := splitIf(d, where, tokens)
		if err != nil {
			return nil, err
		}
		if len(rest) != 2 {
			return nil, argErr()
		}
		st.Path, st.Expr = rest[0], rest[1]
		if hasIf {
			st.If = cond
		}

	case "default", "transform", "query":
		if len(args) != 2 {
			return nil, argErr()
		}
		if st.Op == "query" {
			st.Name, st.Expr = args[0], args[1]
		} else {
			st.Path, st.Expr = args[0], args[1]
		}

	case "protect", "hide", "only":
		if st.Op == "protect" && len(tokens) > 0 && tokens[0].Text == "strict" && !tokens[0].Quoted() {
			st.Strict = true
			tokens = tokens[1:]
		}
		rest, cond, hasIf, err := splitIf(d, where, tokens)
		if err != nil {
			return nil, err
		}
		if hasIf && (st.Op == "only" || st.Strict) {
			return nil, d.Errf("%sunexpected if: want: %s", where, usage)
		}
		if len(rest) == 0 {
			return nil, argErr()
		}
		st.Paths, st.If = rest, cond

	case "schema":
		if len(args) != 1 {
			return nil, argErr()
		}
		if text := strings.TrimSpace(args[0]); strings.HasPrefix(text, "{") {
			if !json.Valid([]byte(text)) {
				return nil, d.Errf("%sthe inline schema is not valid JSON", where)
			}
			st.Schema = json.RawMessage(text)
		} else {
			st.SchemaFile = args[0]
		}

	case "mask", "redact":
		rest, cond, hasIf, err := splitIf(d, where, tokens)
		if err != nil {
			return nil, err
		}
		word := map[string]string{"mask": "keep", "redact": "with"}[st.Op]
		if n := len(rest); n >= 2 && rest[n-2] == word && !tokens[n-2].Quoted() {
			if st.Op == "mask" {
				keep, err := strconv.Atoi(rest[n-1])
				if err != nil || keep < 0 {
					return nil, d.Errf("%skeep %q is not a count of characters", where, rest[n-1])
				}
				st.Keep = keep
			} else {
				st.With = rest[n-1]
			}
			rest = rest[:n-2]
		}
		if len(rest) == 0 {
			return nil, argErr()
		}
		st.Paths = rest
		if hasIf {
			st.If = cond
		}

	case "drop":
		if len(args) != 1 {
			return nil, argErr()
		}
		st.Expr = args[0]

	case "header":
		switch {
		case len(args) == 1 && strings.HasPrefix(args[0], "-") && len(args[0]) > 1:
			st.Name, st.Remove = args[0][1:], true
		case len(args) == 2 && strings.HasPrefix(args[0], "-"):
			return nil, d.Errf("%sheader %s removes the header and takes no value", where, args[0])
		case len(args) == 2:
			st.Name, st.Expr = args[0], args[1]
		default:
			return nil, argErr()
		}

	case "log":
		if len(args) < 1 || len(args) > 2 {
			return nil, argErr()
		}
		st.Expr = args[0]
		if len(args) == 2 {
			switch args[1] {
			case "debug", "info", "warn", "error":
				st.Level = args[1]
			default:
				return nil, d.Errf("%sunknown level %q, want one of debug, info, warn, error", where, args[1])
			}
		}

	case "webhook":
		rest, cond, _, err := splitIf(d, where, tokens)
		if err != nil {
			return nil, err
		}
		if len(rest) != 1 {
			return nil, argErr()
		}
		st.URL, st.If = rest[0], cond
		seen := map[string]bool{}
		for nesting := d.Nesting(); d.NextBlock(nesting); {
			opt := d.Val()
			if opt != "body" && opt != "secret" {
				return nil, d.Errf("%sunknown option %q, want: body <expr> | secret <whsec_...>", where, opt)
			}
			if seen[opt] {
				return nil, d.Errf("%s%s: given more than once", where, opt)
			}
			seen[opt] = true
			v, err := oneArg(d, where, opt, opt+map[string]string{"body": " <expr>", "secret": " <whsec_...>"}[opt])
			if err != nil {
				return nil, err
			}
			if opt == "body" {
				st.Body = v
			} else {
				st.Secret = v
			}
		}
		return st, nil
	}

	return st, noBlock(d, where, st.Op)
}

// paramsArg reads `params <names...>`: at least one name, each once.
func paramsArg(d *caddyfile.Dispenser, where string) ([]string, error) {
	names := d.RemainingArgs()
	if len(names) == 0 {
		return nil, d.Errf("%sparams: wrong argument count, want: params <names...>", where)
	}
	if err := rules.CheckParams(names); err != nil {
		return nil, d.Errf("%s%v", where, err)
	}
	return names, noBlock(d, where, "params")
}

// splitIf splits the arguments of a statement with an optional trailing
// `if <cond>`. Only an unquoted `if` is the keyword, and only as the
// second-to-last argument after at least one other.
func splitIf(d *caddyfile.Dispenser, where string, tokens []caddyfile.Token) (rest []string, cond string, hasIf bool, err error) {
	for i, t := range tokens {
		if t.Text != "if" || t.Quoted() {
			continue
		}
		if i == 0 || i != len(tokens)-2 {
			return nil, "", false, d.Errf(`%smisplaced if: want "if <cond>" at the end of the line, after the other arguments (quote "if" to name a field)`, where)
		}
		hasIf, cond = true, tokens[i+1].Text
		tokens = tokens[:i]
		break
	}
	rest = make([]string, len(tokens))
	for i, t := range tokens {
		rest[i] = t.Text
	}
	return rest, cond, hasIf, nil
}

// oneArg reads the single argument of an option.
func oneArg(d *caddyfile.Dispenser, where, opt, usage string) (string, error) {
	var v string
	if !d.AllArgs(&v) {
		return "", d.Errf("%s%s: wrong argument count, want: %s", where, opt, usage)
	}
	return v, noBlock(d, where, opt)
}

// enumArg reads the single argument of an option that takes one of the
// words of choice.
func enumArg(d *caddyfile.Dispenser, where, opt string, choice intercept.Choice) (string, error) {
	want := strings.Join(choice, "|")
	v, err := oneArg(d, where, opt, opt+" "+want)
	if err != nil {
		return "", err
	}
	if v == "" || choice.Check(opt, v) != nil {
		return "", d.Errf("%s%s: unknown value %q, want: %s %s", where, opt, v, opt, want)
	}
	return v, nil
}

// onOffArg reads `<opt> [on|off]`; the bare option means on.
func onOffArg(d *caddyfile.Dispenser, where, opt string) (bool, error) {
	args := d.RemainingArgs()
	if len(args) > 1 {
		return false, d.Errf("%s%s: wrong argument count, want: %s [on|off]", where, opt, opt)
	}
	on := true
	if len(args) == 1 {
		switch args[0] {
		case "on":
		case "off":
			on = false
		default:
			return false, d.Errf("%s%s: unknown value %q, want: %s [on|off]", where, opt, args[0], opt)
		}
	}
	return on, noBlock(d, where, opt)
}

// sizeArg reads a byte size as Caddy writes them: 1MiB, 16MB or bytes.
func sizeArg(d *caddyfile.Dispenser, where, opt string) (int64, error) {
	v, err := oneArg(d, where, opt, opt+" <size>")
	if err != nil {
		return 0, err
	}
	size, err := humanize.ParseBytes(v)
	if err != nil {
		return 0, d.Errf("%s%s: parsing size %q: %v", where, opt, v, err)
	}
	if size == 0 || size > math.MaxInt64 {
		return 0, d.Errf("%s%s: size %q out of range", where, opt, v)
	}
	return int64(size), nil
}

// countArg reads a positive whole number.
func countArg(d *caddyfile.Dispenser, where, opt string) (int, error) {
	v, err := oneArg(d, where, opt, opt+" <n>")
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, d.Errf("%s%s: %q is not a whole number", where, opt, v)
	}
	if n < 1 {
		return 0, d.Errf("%s%s: %d must be at least 1", where, opt, n)
	}
	return n, nil
}

// noBlock fails when a line that takes no block opens one.
func noBlock(d *caddyfile.Dispenser, where, opt string) error {
	if d.NextBlock(d.Nesting()) {
		return d.Errf("%s%s: unexpected block", where, opt)
	}
	return nil
}

// parseOpenAPI reads `openapi <file> [{ validate_responses report|enforce }]`.
func parseOpenAPI(d *caddyfile.Dispenser) (*OpenAPI, error) {
	const usage = "openapi <file> [{ validate_responses report|enforce }]"
	o := &OpenAPI{}
	if !d.NextArg() {
		return nil, d.Errf("openapi: wrong argument count, want: %s", usage)
	}
	o.File = d.Val()
	if d.NextArg() {
		return nil, d.Errf("openapi: wrong argument count, want: %s", usage)
	}
	err := eachOption(d, "openapi: ", nil, func(opt string) error {
		var err error
		switch opt {
		case "validate_responses":
			o.ValidateResponses, err = enumArg(d, "openapi: ", opt, validateResponsesChoice)
		default:
			return d.Errf("openapi: unknown option %q, want: %s", opt, usage)
		}
		return err
	})
	return o, err
}

// parseWebhooks reads the webhooks block.
func parseWebhooks(d *caddyfile.Dispenser) (*intercept.WebhookConfig, error) {
	if d.NextArg() {
		return nil, d.Errf("webhooks: unexpected argument %q; options go in a block", d.Val())
	}
	w := &intercept.WebhookConfig{}
	err := eachOption(d, "webhooks: ", nil, func(opt string) error {
		var err error
		switch opt {
		case "store":
			w.Store, err = enumArg(d, "webhooks: ", opt, intercept.StoreChoice)
		case "nats":
			w.NATS, err = parseNATS(d)
		case "max_events":
			var n int
			n, err = countArg(d, "webhooks: ", opt)
			w.MaxEvents = int64(n)
		case "max_bytes":
			w.MaxBytes, err = sizeArg(d, "webhooks: ", opt)
		case "replicas":
			w.Replicas, err = countArg(d, "webhooks: ", opt)
		case "queue_size":
			w.QueueSize, err = countArg(d, "webhooks: ", opt)
		case "workers":
			w.Workers, err = countArg(d, "webhooks: ", opt)
		case "attempts":
			w.Attempts, err = countArg(d, "webhooks: ", opt)
		case "timeout", "grace", "store_timeout":
			var v string
			if v, err = oneArg(d, "webhooks: ", opt, opt+" <duration>"); err == nil {
				var dur time.Duration
				if dur, err = caddy.ParseDuration(v); err != nil || dur <= 0 {
					err = d.Errf("webhooks: %s: %q is not a positive duration", opt, v)
				} else {
					*map[string]*caddy.Duration{"timeout": &w.Timeout, "grace": &w.Grace, "store_timeout": &w.StoreTimeout}[opt] = caddy.Duration(dur)
				}
			}
		default:
			err = d.Errf("webhooks: unrecognized option %q", opt)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// parseNATS reads `nats <url> [{ creds|nkey|user|password <value> }]`;
// the dispenser is on the `nats` token.
func parseNATS(d *caddyfile.Dispenser) (*intercept.NATSConfig, error) {
	const where = "webhooks: nats: "
	var n intercept.NATSConfig
	if !d.AllArgs(&n.URL) {
		return nil, d.Errf("%swrong argument count, want: nats <url>[,<url>...] [{ creds|nkey|user|password <value> }]", where)
	}
	err := eachOption(d, where, nil, func(opt string) error {
		dst := map[string]*string{"creds": &n.Creds, "nkey": &n.NKey, "user": &n.User, "password": &n.Password}[opt]
		if dst == nil {
			return d.Errf("%sunrecognized option %q, want one of creds, nkey, user, password", where, opt)
		}
		v, err := oneArg(d, where, opt, opt+" <value>")
		*dst = v
		return err
	})
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// parseIdentity parses the `identity` option of the crud block; the
// dispenser is on the `identity` token. The grammar is in the doc comment
// of UnmarshalCaddyfile.
func parseIdentity(d *caddyfile.Dispenser) (*intercept.Identity, error) {
	const usage = "identity jwt { ... } | identity placeholder <prefix> [{ ... }]"
	if !d.NextArg() {
		return nil, d.Errf("identity: wrong argument count, want: %s", usage)
	}
	switch kind := d.Val(); kind {
	case "jwt":
		j, err := parseJWTIdentity(d)
		if err != nil {
			return nil, err
		}
		return &intercept.Identity{JWT: j}, nil
	case "placeholder":
		p, err := parsePlaceholderIdentity(d)
		if err != nil {
			return nil, err
		}
		return &intercept.Identity{Placeholder: p}, nil
	default:
		return nil, d.Errf("identity: unknown kind %q, want: %s", kind, usage)
	}
}

// parseJWTIdentity parses `jwt { ... }`; the dispenser is on `jwt`.
func parseJWTIdentity(d *caddyfile.Dispenser) (*intercept.JWT, error) {
	const where = "identity jwt: "
	if d.NextArg() {
		return nil, d.Errf("%sunexpected argument %q; jwt takes its options in a block", where, d.Val())
	}
	j := new(intercept.JWT)
	err := eachOption(d, where, nil, func(opt string) error {
		var err error
		switch opt {
		case "secret":
			j.Secret, err = oneArg(d, where, opt, "secret <secret>")
		case "public_key":
			j.PublicKey, err = oneArg(d, where, opt, "public_key <path>")
		case "issuer":
			j.Issuer, err = oneArg(d, where, opt, "issuer <iss>")
		case "audience":
			j.Audience, err = oneArg(d, where, opt, "audience <aud>")
		case "cookie":
			j.Cookie, err = oneArg(d, where, opt, "cookie <name>")
		case "optional":
			if d.NextArg() {
				return d.Errf("%soptional: wrong argument count, want: optional", where)
			}
			j.Optional = true
			err = noBlock(d, where, opt)
		case "leeway":
			var v string
			if v, err = oneArg(d, where, opt, "leeway <duration>"); err != nil {
				break
			}
			var dur time.Duration
			if dur, err = caddy.ParseDuration(v); err != nil {
				return d.Errf("%sleeway: parsing duration %q: %v", where, v, err)
			}
			j.Leeway = caddy.Duration(dur)
		default:
			return d.Errf("%sunknown option %q", where, opt)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := j.Validate(); err != nil {
		return nil, d.Errf("%s%v", where, err)
	}
	return j, nil
}

// parsePlaceholderIdentity parses `placeholder <prefix> [{ ... }]`; the
// dispenser is on `placeholder`.
func parsePlaceholderIdentity(d *caddyfile.Dispenser) (*intercept.Placeholder, error) {
	const where = "identity placeholder: "
	args := d.RemainingArgs()
	if len(args) != 1 || args[0] == "" {
		return nil, d.Errf("%swrong argument count, want: identity placeholder <prefix> [{ ... }]", where)
	}
	p := &intercept.Placeholder{Prefix: args[0]}
	err := eachOption(d, where, nil, func(opt string) error {
		var err error
		switch opt {
		case "id":
			p.ID, err = oneArg(d, where, opt, "id <name>")
		case "fields":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.Errf("%sfields: wrong argument count, want: fields <name>[><alias>]...", where)
			}
			p.Fields = make(map[string]string, len(args))
			for _, f := range args {
				name, as, renamed := strings.Cut(f, ">")
				if !renamed {
					as = name
				}
				if name == "" || as == "" {
					return d.Errf("%sfields: %q: want <name> or <name>><alias>", where, f)
				}
				if _, dup := p.Fields[as]; dup {
					return d.Errf("%sfields: user.%s given more than once", where, as)
				}
				p.Fields[as] = name
			}
			err = noBlock(d, where, opt)
		case "optional":
			if d.NextArg() {
				return d.Errf("%soptional: wrong argument count, want: optional", where)
			}
			p.Optional = true
			err = noBlock(d, where, opt)
		default:
			return d.Errf("%sunknown option %q", where, opt)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, d.Errf("%s%v", where, err)
	}
	return p, nil
}

// checkParams checks the name of each {param} of a path with the rule
// the router applies, so a parameter the Caddyfile adapter rewrote (a
// shorthand such as {path}, {host} or {query} becomes a Caddy placeholder,
// whose name holds a dot) is reported at its line.
func checkParams(d *caddyfile.Dispenser, where, path string) error {
	for rest := path; ; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			return nil
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return nil
		}
		if err := intercept.CheckParam(rest[i+1 : i+j]); err != nil {
			return d.Errf("%spath %q: %v", where, path, err)
		}
		rest = rest[i+j+1:]
	}
}

// eachOption walks the options of a block (the dispenser is on the line
// that opens it), refusing a repeated option unless it is repeatable; fn
// parses one option, the dispenser on its name.
func eachOption(d *caddyfile.Dispenser, where string, repeatable []string, fn func(opt string) error) error {
	seen := make(map[string]bool)
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		opt := d.Val()
		if !slices.Contains(repeatable, opt) {
			if seen[opt] {
				return d.Errf("%s%s: given more than once", where, opt)
			}
			seen[opt] = true
		}
		if err := fn(opt); err != nil {
			return err
		}
	}
	return nil
}

// Interface guard
var _ caddyfile.Unmarshaler = (*Handler)(nil)
