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
			cmd.AddCommand(testCommand())
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
