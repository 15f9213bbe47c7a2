package caddytest

import (
	"net/http"
	"strconv"
	"testing"
)

// An OpenAPI document gives the resources, the actions (operationIds), the
// request body schemas and the parameter schemas; a declared resource with
// a base of the document adds its rules.
func TestOpenAPIPetstore(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":1,"name":"Rex","ownerEmail":"a@b.io"}`))
	})
	tester := crud(t, `
		openapi testdata/petstore.yaml
		resource pets /api/v3/pets {
			before createPet {
				check name ´record.name != "admin"´ "is reserved"
			}
			after showPetById {
				hide ownerEmail
			}
		}`, up)

	problem := func(status int, detail, errs string) string {
		return `{"type":"about:blank","title":"` + http.StatusText(status) + `","status":` + strconv.Itoa(status) + `,"detail":"` + detail + `","errors":[` + errs + `]}`
	}
	t.Run("a valid create goes upstream as sent", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/v3/pets", `{"name":"Rex","tag":null}`).expect(t, 200, `{"id":1,"name":"Rex","ownerEmail":"a@b.io"}`)
		up.got(t, "POST", "/api/v3/pets", `{"name":"Rex","tag":null}`)
	})
	t.Run("the body schema and the declared check", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/v3/pets", `{"name":"admin","status":"lost","ownerEmail":"x"}`).expectProblem(t, 422, problem(422, "the request is not valid",
			`{"field":"ownerEmail","pointer":"/ownerEmail","message":"'x' is not valid email: missing @"},`+
				`{"field":"status","pointer":"/status","message":"value must be one of 'available', 'pending', 'sold'"},`+
				`{"field":"name","message":"is reserved"}`))
		up.none(t)
	})
	t.Run("a required property", func(t *testing.T) {
		up.reset()
		send(t, tester, "PUT", "/api/v3/pets/7", `{"tag":"x"}`).expectProblem(t, 422, problem(422, "the request is not valid",
			`{"field":"name","pointer":"/name","message":"is required"}`))
		up.none(t)
	})
	t.Run("query parameters", func(t *testing.T) {
		up.reset()
		send(t, tester, "GET", "/api/v3/pets?limit=500&status=lost", "").expectProblem(t, 400, problem(400, "the request's parameters are not valid",
			`{"field":"limit","message":"maximum: got 500, want 100"},{"field":"status","message":"value must be one of 'available', 'pending', 'sold'"}`))
		send(t, tester, "GET", "/api/v3/pets?limit=ten", "").expectProblem(t, 400, problem(400, "the request's parameters are not valid",
			`{"field":"limit","message":"got string, want integer"}`))
		up.none(t)
		send(t, tester, "GET", "/api/v3/pets?limit=10&status=sold", "").expect(t, 200, `{"id":1,"name":"Rex","ownerEmail":"a@b.io"}`)
		up.got(t, "GET", "/api/v3/pets?limit=10&status=sold", "")
	})
	t.Run("a path parameter", func(t *testing.T) {
		up.reset()
		send(t, tester, "GET", "/api/v3/pets/rex", "").expectProblem(t, 400, problem(400, "the request's parameters are not valid",
			`{"field":"petId","message":"got string, want integer"}`))
		up.none(t)
	})
	t.Run("the declared after rule", func(t *testing.T) {
		up.reset()
		send(t, tester, "GET", "/api/v3/pets/1", "").expect(t, 200, `{"id":1,"name":"Rex"}`)
	})
	t.Run("an operation of another derived resource", func(t *testing.T) {
		up.reset()
		send(t, tester, "GET", "/api/v3/store/inventory", "").expect(t, 200, `{"id":1,"name":"Rex","ownerEmail":"a@b.io"}`)
		send(t, tester, "DELETE", "/api/v3/store/inventory", "").expectProblem(t, 405, `{"type":"about:blank","title":"Method Not Allowed","status":405,"detail":"method DELETE is not mapped on this resource"}`)
	})
}

// A declared resource that contradicts the document fails the load,
// naming both.
func TestOpenAPIContradictions(t *testing.T) {
	for _, c := range []struct{ name, body, want string }{
		{"an action the document lacks", `
		openapi testdata/petstore.yaml
		resource pets /api/v3/pets/{id} {
			before adoptPet {
				deny ´true´
			}
		}`, `resource "pets" (base /api/v3/pets/{id}): action "adoptPet" is not an operation of the OpenAPI document's resource "api_v3_pets" (listPets, createPet, showPetById, updatePet, deletePet)`},
		{"another base for an operation", `
		openapi testdata/petstore.yaml
		resource animals /api/v3/animals {
			action remove DELETE /api/v3/pets/{petId}
		}`, `resource "animals" (base /api/v3/animals): action remove maps DELETE /api/v3/pets/{petId}, which the OpenAPI document puts in resource "api_v3_pets" (base /api/v3/pets)`},
		{"not a document", `openapi testdata/user.schema.json`, `not an OpenAPI 3.0 or 3.1 document`},
		{"no file", `openapi testdata/nope.yaml`, `no such file or directory`},
	} {
		t.Run(c.name, func(t *testing.T) { expectLoadError(t, c.body, c.want) })
	}
}

// validate_responses checks 2xx JSON responses against the operation's
// response schema: enforce answers 502, report logs and lets it through.
func TestOpenAPIValidateResponses(t *testing.T) {
	reply := `{"id":"seven","name":"Rex"}`
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(reply))
	})
	tester := crud(t, `
		openapi testdata/petstore.yaml {
			validate_responses enforce
		}`, up)
	send(t, tester, "GET", "/api/v3/pets/7", "").expectProblem(t, 502, problemJSON(502, "the upstream response could not be filtered"))
	reply = `{"id":7,"name":"Rex"}`
	send(t, tester, "GET", "/api/v3/pets/7", "").expect(t, 200, `{"id":7,"name":"Rex"}`)
	reply = `[{"id":7,"name":"Rex"},{"id":8}]`
	send(t, tester, "GET", "/api/v3/pets", "").expectProblem(t, 502, problemJSON(502, "the upstream response could not be filtered"))

	reply = `{"id":"seven","name":"Rex"}`
	tester, logFile := crudLogged(t, `
		openapi testdata/petstore.yaml {
			validate_responses report
		}`, up)
	send(t, tester, "GET", "/api/v3/pets/7", "").expect(t, 200, reply)
	expectLog(t, logFile, "response does not match its schema", []string{"level", "resource", "action", "errors", "enforced"},
		`warn api_v3_pets showPetById [/id: got string, want integer] false`)
}
