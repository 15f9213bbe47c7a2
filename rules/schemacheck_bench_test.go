package rules

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/caddy-crud/caddy-crud/internal/benchdata"
)

// BenchmarkSchemaCheck is the schema statement's own work on a 1 KiB
// create the 20-property schema finds valid: the check over the JSON
// (fast), and the validator on the decoded record (validator).
func BenchmarkSchemaCheck(b *testing.B) {
	rs, err := compileSchema("", json.RawMessage(createSchema))
	if err != nil || rs.fast == nil {
		b.Fatal(err)
	}
	// the body as the transform that cleans its email leaves it
	body := bytes.Replace(benchdata.Create(1024), []byte(`"  Jane.Benchmark@Example.COM "`), []byte(`"jane.benchmark@example.com"`), 1)
	b.Run("fast", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if errs, _ := rs.errors(body, "", "", true); errs != nil {
				b.Fatal(errs)
			}
		}
	})
	b.Run("validator", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if rs.sch.Validate(rs.names.instance(parse(body))) != nil {
				b.Fatal("invalid")
			}
		}
	})
}
