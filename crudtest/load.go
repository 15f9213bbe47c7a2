package crudtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"go.uber.org/zap"
)

// Suite is a loaded config and the crud handlers in it, ready to run
// cases.
type Suite struct {
	// ConfigFile is the config file as given ("" when none).
	ConfigFile string

	handlers []*handlerConfig
	lines    locations // rule locations → file:line, when the config is a Caddyfile
}

// handlerConfig is one crud handler of the config.
type handlerConfig struct {
	listen    []string        // the addresses its server listens on
	raw       json.RawMessage // its JSON config, without the handler key
	resources []string        // the names of its resources
}

// Load reads and adapts a config exactly as `caddy run` does (the same
// adapter, the same errors with file:line), finds its crud handlers and
// provisions each once, so a broken rule fails here.
func Load(configFile, adapter string) (*Suite, error) {
	cfg, file, adapterUsed, err := caddycmd.LoadConfig(configFile, adapter)
	if err != nil {
		return nil, err
	}
	if cfg == nil {
		return nil, errors.New("no config: give --config")
	}
	s := &Suite{ConfigFile: file}
	if err := s.findHandlers(cfg); err != nil {
		return nil, err
	}
	if len(s.handlers) == 0 {
		return nil, fmt.Errorf("%s: the config has no crud handler", file)
	}
	for _, h := range s.handlers {
		inst, err := h.provision(zap.NewNop(), nil)
		if err != nil {
			return nil, fmt.Errorf("%s: crud handler on %s: %w", file, strings.Join(h.listen, " "), err)
		}
		inst.cleanup()
	}
	if adapterUsed == "caddyfile" {
		s.lines = locateRules(file)
	}
	return s, nil
}

// findHandlers walks the servers of the http app for crud handlers, in
// the order of the servers' names and of the routes.
func (s *Suite) findHandlers(cfg []byte) error {
	var root struct {
		Apps struct {
			HTTP struct {
				Servers map[string]struct {
					Listen []string          `json:"listen"`
					Routes []json.RawMessage `json:"routes"`
				} `json:"servers"`
			} `json:"http"`
		} `json:"apps"`
	}
	if err := json.Unmarshal(cfg, &root); err != nil {
		return fmt.Errorf("reading the config: %w", err)
	}
	names := make([]string, 0, len(root.Apps.HTTP.Servers))
	for n := range root.Apps.HTTP.Servers {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		srv := root.Apps.HTTP.Servers[n]
		for _, r := range srv.Routes {
			var v any
			if err := json.Unmarshal(r, &v); err != nil {
				return err
			}
			if err := s.walk(v, srv.Listen); err != nil {
				return err
			}
		}
	}
	return nil
}

// walk finds crud handlers anywhere in v (subroutes included).
func (s *Suite) walk(v any, listen []string) error {
	switch v := v.(type) {
	case map[string]any:
		if v["handler"] == "crud" {
			h := &handlerConfig{listen: listen}
			clean := make(map[string]any, len(v))
			for k, x := range v {
				if k != "handler" {
					clean[k] = x
				}
			}
			raw, err := json.Marshal(clean)
			if err != nil {
				return err
			}
			h.raw = raw
			var names struct {
				Resources []struct {
					Name string `json:"name"`
				} `json:"resources"`
			}
			_ = json.Unmarshal(raw, &names)
			for _, r := range names.Resources {
				h.resources = append(h.resources, r.Name)
			}
			s.handlers = append(s.handlers, h)
			return nil
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := s.walk(v[k], listen); err != nil {
				return err
			}
		}
	case []any:
		for _, x := range v {
			if err := s.walk(x, listen); err != nil {
				return err
			}
		}
	}
	return nil
}

// handler picks the crud handler for listen ("" : the only one).
func (s *Suite) handler(listen string) (*handlerConfig, error) {
	if listen == "" {
		if len(s.handlers) == 1 {
			return s.handlers[0], nil
		}
		return nil, fmt.Errorf("the config has %d crud handlers (%s); say which with listen", len(s.handlers), s.listens())
	}
	for _, h := range s.handlers {
		if slices.Contains(h.listen, listen) {
			return h, nil
		}
	}
	return nil, fmt.Errorf("no crud handler listens on %q (the config has %s)", listen, s.listens())
}

func (s *Suite) listens() string {
	var all []string
	for _, h := range s.handlers {
		all = append(all, strings.Join(h.listen, " "))
	}
	return strings.Join(all, ", ")
}

// ReadCases reads test files and checks each case against the config:
// its handler exists, and the resource it names is declared.
func (s *Suite) ReadCases(paths ...string) ([]*Case, error) {
	var cases []*Case
	for _, p := range paths {
		f, err := ParseFile(p)
		if err != nil {
			return nil, err
		}
		for _, c := range f.Cases {
			if err := s.checkCase(c); err != nil {
				return nil, err
			}
		}
		cases = append(cases, f.Cases...)
	}
	return cases, nil
}

// checkCase refuses a case that names what the config does not have.
func (s *Suite) checkCase(c *Case) error {
	h, err := s.handler(c.Listen)
	if err != nil {
		return fmt.Errorf("%s: %w", c.where(), err)
	}
	if r := c.Expect.Resource; r != "" && !slices.Contains(h.resources, r) {
		return fmt.Errorf("%s: expect.resource: unknown resource %q (the config declares %s)", c.where(), r, strings.Join(h.resources, ", "))
	}
	return nil
}

// DefaultFiles lists the `*.crudtest.yaml` files next to the config file.
func DefaultFiles(configFile string) ([]string, error) {
	dir := filepath.Dir(configFile)
	files, err := filepath.Glob(filepath.Join(dir, "*.crudtest.yaml"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no *.crudtest.yaml file in %s; name test files on the command line", dir)
	}
	return files, nil
}
