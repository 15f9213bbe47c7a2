package crud

import (
	"errors"
	"os"

	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/spf13/cobra"

	"github.com/caddy-crud/caddy-crud/crudtest"
)

func init() {
	caddycmd.RegisterCommand(caddycmd.Command{
		Name:  "crud",
		Short: "Tests and explains the rules of crud handlers",
		Long: `
Runs requests through the crud handlers of a config in process, with an
in-memory API behind them: nothing listens on a port and no webhook is sent.

  caddy crud test    runs test cases (*.crudtest.yaml) and reports each
  caddy crud explain shows what the rules do to one request
`,
		CobraFunc: func(cmd *cobra.Command) {
			cmd.AddCommand(testCommand(), explainCommand())
		},
	})
}

// errFailed makes the process exit with status 1; what failed is
// already written.
var errFailed = errors.New("failed")

// exit turns an exit status into cobra's error, printing nothing more.
func exit(cmd *cobra.Command, status int) error {
	if status == 0 {
		return nil
	}
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	return errFailed
}

func testCommand() *cobra.Command {
	var opts crudtest.TestOptions
	c := &cobra.Command{
		Use:   "test [--config <path>] [--adapter <name>] [--json] [--run <regexp>] [<files>...]",
		Short: "Runs the test cases of crud rules",
		Long: `
Loads the config as 'caddy run' does, then runs the cases of the test files
(default: the *.crudtest.yaml files next to the config) through its crud
handler, each against a fresh handler and an in-memory API. Prints a line
per case, for a failure what differed and the rule that decided, and the
totals; exits with status 1 when a case fails.
`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Files = args
			return exit(cmd, crudtest.TestCommand(opts, os.Stdout, os.Stderr))
		},
	}
	c.Flags().StringVarP(&opts.ConfigFile, "config", "c", "", "Configuration file")
	c.Flags().StringVarP(&opts.Adapter, "adapter", "a", "", "Name of config adapter to apply")
	c.Flags().BoolVar(&opts.JSON, "json", false, "Write the results as JSON")
	c.Flags().StringVar(&opts.Run, "run", "", "Run only the cases whose name matches this regular expression")
	return c
}

func explainCommand() *cobra.Command {
	var opts crudtest.ExplainOptions
	c := &cobra.Command{
		Use:   "explain --config <path> [--adapter <name>] <METHOD> <path> [--header 'Name: value']... [--body <json>|@<file>] [--user <claims json>]",
		Short: "Shows what the crud rules do to one request",
		Long: `
Sends one request through the config's crud handler, in process, with an
in-memory API answering --upstream (default {}) and, for fetch_old and
lookup(), --old (default 404). Writes which resource and action matched (or
which resource base came closest), every statement of the action in order
with its decision, what the API receives and what the client gets. Without
--user the caller is anonymous.
`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Method, opts.Path = args[0], args[1]
			return exit(cmd, crudtest.ExplainCommand(opts, os.Stdout, os.Stderr))
		},
	}
	f := c.Flags()
	f.StringVarP(&opts.ConfigFile, "config", "c", "", "Configuration file")
	f.StringVarP(&opts.Adapter, "adapter", "a", "", "Name of config adapter to apply")
	f.StringVar(&opts.Listen, "listen", "", "The listen address of the server whose crud handler to use, when there are several")
	f.StringArrayVarP(&opts.Headers, "header", "H", nil, "A request header, 'Name: value' (repeatable)")
	f.StringVar(&opts.Body, "body", "", "The request body: JSON, or @file")
	f.StringVar(&opts.User, "user", "", "The caller's claims as a JSON object; default: anonymous")
	f.StringVar(&opts.Upstream, "upstream", "", "The API's answer: JSON, or @file; default {}")
	f.StringVar(&opts.Old, "old", "", "The API's answer to fetch_old and lookup(): JSON, or @file; default 404")
	return c
}
