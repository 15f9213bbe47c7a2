package crud

import (
	"net/http"

	"go.uber.org/zap"
)

// hooks replace what Provision takes from the server, for a handler run
// outside one (see UseOutsideServer).
type hooks struct {
	logger   *zap.Logger
	webhooks *http.Client
}

// UseOutsideServer makes the next Provision log to logger instead of
// Caddy's logger and send webhook events through client instead of the
// handler's own client (nil: unchanged). The crudtest runner uses it to
// run the handler in process, capturing what it logs and would send.
func (h *Handler) UseOutsideServer(logger *zap.Logger, client *http.Client) {
	h.hooks = &hooks{logger: logger, webhooks: client}
}
