package caddytest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"
)

// The handler's log lines, written as JSON to a file.

// crudLogged loads `crud { crudBody }` (´ as backticks) in front of up, with
// the handler's log lines written as JSON to the file it returns.
func crudLogged(t *testing.T, crudBody string, up *upstream) (*caddytest.Tester, string) {
	t.Helper()
	logFile := newLogFile(t)
	return loadLogged(t, logFile, crudBody, up), logFile
}

// loadLogged loads `crud { crudBody }` (´ as backticks) in front of up,
// with the handler's log lines written as JSON to logFile, which several
// configs may share (Caddy keeps one writer per file across a reload).
func loadLogged(t *testing.T, logFile, crudBody string, up *upstream) *caddytest.Tester {
	t.Helper()
	tester := caddytest.NewTester(t)
	nextGatewayPort()
	logging := fmt.Sprintf("\tlog crud {\n\t\toutput file %s\n\t\tformat json\n\t\tlevel DEBUG\n\t\tinclude http.handlers.crud\n\t}\n", logFile)
	site := fmt.Sprintf("\tcrud {\n%s\n\t}\n\treverse_proxy %s", bt(crudBody), up.Listener.Addr())
	tester.InitServer(caddyConfig(logging, site), "caddyfile")
	return tester
}

// newLogFile is the path of a fresh log file in the test's directory.
func newLogFile(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "crud.log")
}

// logText is the whole log file.
func logText(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// logsWith returns the decoded JSON log lines of file whose msg is msg;
// none when nothing was logged yet.
func logsWith(t *testing.T, file, msg string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if entry["msg"] == msg {
			out = append(out, entry)
		}
	}
	return out
}

// oneLog asserts that exactly one log line has msg and returns it.
func oneLog(t *testing.T, file, msg string) map[string]any {
	t.Helper()
	lines := logsWith(t, file, msg)
	if len(lines) != 1 {
		t.Fatalf("%d %q log lines, want 1: %v", len(lines), msg, lines)
	}
	return lines[0]
}

// expectFields asserts fields of a log line, each shown with fmt.Sprint.
func expectFields(t *testing.T, line map[string]any, want map[string]string) {
	t.Helper()
	for k, v := range want {
		got, ok := line[k]
		if !ok || fmt.Sprint(got) != v {
			t.Errorf("log %q: %s = %v, want %q (line %v)", line["msg"], k, got, v, line)
		}
	}
}

// waitLog waits for the one log line msg, written once something the test
// saw arrive has been settled by the gateway.
func waitLog(t *testing.T, file, msg string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(opsWait)
	for len(logsWith(t, file, msg)) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	return oneLog(t, file, msg)
}

// expectLog asserts the log lines with msg, each shown as its keys' values.
func expectLog(t *testing.T, logFile, msg string, keys []string, want ...string) {
	t.Helper()
	var got []string
	for _, line := range logsWith(t, logFile, msg) {
		vals := make([]string, len(keys))
		for i, k := range keys {
			if v, ok := line[k]; ok {
				vals[i] = fmt.Sprint(v)
			}
		}
		got = append(got, strings.Join(vals, " "))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%q log lines\n%s\nwant\n%s", msg, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
