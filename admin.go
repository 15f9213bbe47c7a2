package crud

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/caddyserver/caddy/v2"

	"github.com/caddy-crud/caddy-crud/intercept"
)

func init() {
	caddy.RegisterModule(WebhooksAdmin{})
}

// WebhooksAdmin serves the webhook dead letters on Caddy's admin endpoint
// (module ID admin.api.crud_webhooks), behind the admin endpoint's own
// access controls:
//
//	GET  /crud/webhooks/dead               list the dead letters (JSON array)
//	POST /crud/webhooks/dead/<id>/requeue  put one back in the queue
//	POST /crud/webhooks/dead/requeue       put every one back
//
// A re-queued event keeps its id and gets its attempts afresh.
type WebhooksAdmin struct{}

// CaddyModule returns the Caddy module information.
func (WebhooksAdmin) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "admin.api.crud_webhooks",
		New: func() caddy.Module { return new(WebhooksAdmin) },
	}
}

// Routes returns the admin routes.
func (a *WebhooksAdmin) Routes() []caddy.AdminRoute {
	return []caddy.AdminRoute{
		{Pattern: "/crud/webhooks/dead", Handler: caddy.AdminHandlerFunc(a.list)},
		{Pattern: "/crud/webhooks/dead/", Handler: caddy.AdminHandlerFunc(a.requeue)},
	}
}

func (a *WebhooksAdmin) list(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet {
		return caddy.APIError{HTTPStatus: http.StatusMethodNotAllowed, Err: fmt.Errorf("method %s not allowed", r.Method)}
	}
	list, err := intercept.DeadLetters(r.Context())
	if err != nil {
		return adminError(err)
	}
	return writeAdminJSON(w, list)
}

func (a *WebhooksAdmin) requeue(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodPost {
		return caddy.APIError{HTTPStatus: http.StatusMethodNotAllowed, Err: fmt.Errorf("method %s not allowed", r.Method)}
	}
	rest := strings.TrimPrefix(r.URL.Path, "/crud/webhooks/dead/")
	n := 0
	var err error
	if rest == "requeue" {
		n, err = intercept.RequeueDeadLetters(r.Context())
	} else if id, ok := strings.CutSuffix(rest, "/requeue"); ok && id != "" && !strings.Contains(id, "/") {
		if err = intercept.RequeueDeadLetter(r.Context(), id); err == nil {
			n = 1
		}
	} else {
		return caddy.APIError{HTTPStatus: http.StatusNotFound, Err: errors.New("want POST /crud/webhooks/dead/<id>/requeue or /crud/webhooks/dead/requeue")}
	}
	if err != nil {
		return adminError(err)
	}
	return writeAdminJSON(w, map[string]int{"requeued": n})
}

// adminError maps the dead-letter errors to statuses.
func adminError(err error) error {
	status := http.StatusInternalServerError
	if errors.Is(err, intercept.ErrNoDurableStore) || errors.Is(err, intercept.ErrDeadLetterNotFound) {
		status = http.StatusNotFound
	}
	return caddy.APIError{HTTPStatus: status, Err: err}
}

func writeAdminJSON(w http.ResponseWriter, v any) error {
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(v)
}

// Interface guard
var _ caddy.AdminRouter = (*WebhooksAdmin)(nil)
