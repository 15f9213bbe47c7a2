package caddytest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddytest"

	_ "github.com/caddy-crud/caddy-crud"
	_ "github.com/caddyserver/caddy/v2/modules/standard"
)

// TestCaddyfileAdapt adapts each adapt/*.caddyfiletest, a Caddyfile, a line
// of ten dashes, and either the expected JSON or a part of the expected
// adapt error, as Caddy's own caddyfile_adapt tests do.
func TestCaddyfileAdapt(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("adapt", "*.caddyfiletest"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no adapt/*.caddyfiletest files")
	}
	newlines := regexp.MustCompile(`\r?\n`)

	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			caddyfile, expected, ok := strings.Cut(newlines.ReplaceAllString(string(data), "\n"), "\n----------\n")
			if !ok {
				t.Fatalf("%s: no ---------- line between the Caddyfile and the expected output", name)
			}
			caddyfile = strings.TrimSpace(caddyfile) + "\n"
			expected = strings.TrimSpace(expected)

			if strings.HasPrefix(expected, "{") {
				if !caddytest.CompareAdapt(t, name, caddyfile, "caddyfile", expected) {
					t.Errorf("adapting %s does not give the expected JSON (diff above)", name)
				}
				return
			}

			_, _, err = caddyconfig.GetAdapter("caddyfile").Adapt([]byte(caddyfile), nil)
			if err == nil {
				t.Fatalf("adapting %s: no error, want one containing %q", name, expected)
			}
			if !strings.Contains(err.Error(), expected) {
				t.Errorf("adapting %s: error\n%s\ndoes not contain\n%s", name, err, expected)
			}
		})
	}
}
