package crudtest

import (
	"fmt"
	"io"
	"regexp"
)

// TestOptions are the arguments of `caddy crud test`.
type TestOptions struct {
	// ConfigFile and Adapter are as for `caddy run`.
	ConfigFile, Adapter string

	// JSON writes the results as JSON instead of text.
	JSON bool

	// Run keeps only the cases whose name matches this regular expression.
	Run string

	// Files are the test files. Default: the *.crudtest.yaml files next
	// to the config.
	Files []string
}

// TestCommand runs `caddy crud test` and returns its exit status: 0 when
// every case passed, 1 when one failed or the config or a test file could
// not be read (the reason goes to stderr).
func TestCommand(opts TestOptions, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "crud test: %v\n", err)
		return 1
	}
	var run *regexp.Regexp
	if opts.Run != "" {
		var err error
		if run, err = regexp.Compile(opts.Run); err != nil {
			return fail(fmt.Errorf("--run: %w", err))
		}
	}
	suite, err := Load(opts.ConfigFile, opts.Adapter)
	if err != nil {
		return fail(err)
	}
	files := opts.Files
	if len(files) == 0 {
		if files, err = DefaultFiles(suite.ConfigFile); err != nil {
			return fail(err)
		}
	}
	cases, err := suite.ReadCases(files...)
	if err != nil {
		return fail(err)
	}
	if run != nil {
		kept := cases[:0]
		for _, c := range cases {
			if run.MatchString(c.Name) {
				kept = append(kept, c)
			}
		}
		cases = kept
	}
	results := suite.Run(cases)
	if opts.JSON {
		err = WriteJSON(stdout, results)
	} else {
		err = WriteText(stdout, results)
	}
	if err != nil {
		return fail(err)
	}
	if Summarize(results).Failed > 0 {
		return 1
	}
	return 0
}
