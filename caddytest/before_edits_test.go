package caddytest

import "testing"

// The general create block: protect, transform and set change members that
// are written into the body once, and the checks between them read the
// edited record, nested objects included, under any spelling of the names.
// What the upstream gets keeps the client's text between the members.
func TestBeforeEditsAndNestedReads(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			before create {
				protect role created_at
				transform email ´lower(trim(value))´
				check email ´record.email endsWith "@x.io"´ "must be at x.io"
				check name ´len(record.name ?? "") >= 2´ "must have at least 2 characters"
				check profile.address.country ´record.profile.address.country in ["DE", "FR", "US"]´ "unknown country"
				set source ´"gateway"´
				check source ´record.source == "gateway" && record.role == nil´ "not set"
			}
		}
		resource teams /api/teams {
			before create {
				protect role
				set source ´"gateway"´
				check source ´!("role" in record) && record["source"] == "gateway"´ "edits not seen"
			}
		}`, up)

	checkBodies(t, tester, up, "POST", "/api/users", []bodyCase{
		{"edits written once, the text between kept", "{ \"name\" : \"Ann\",\n \"role\":\"admin\" ,\"email\": \" A@X.IO \",\t\"profile\":{\"address\":{\"country\":\"DE\"}} }",
			200, "{ \"name\" : \"Ann\",\"email\": \"a@x.io\",\t\"profile\":{\"address\":{\"country\":\"DE\"}},\"source\":\"gateway\" }"},
		{"the first and last members removed", `{"role":"r","email":"a@x.io","name":"Al","profile":{"address":{"country":"DE"}},"created_at":1}`,
			200, `{"email":"a@x.io","name":"Al","profile":{"address":{"country":"DE"}},"source":"gateway"}`},
		{"every member removed", "{\n\"role\":\"r\"\n}", 422, invalid(
			fieldError{"email", "must be at x.io"},
			fieldError{"name", "must have at least 2 characters"},
			fieldError{"profile.address.country", "unknown country"})},
		{"a nested name in another case", `{"name":"Al","email":"a@x.io","Profile":{"bio":"b","ADDRESS":{"Country":"US"}}}`,
			200, `{"name":"Al","email":"a@x.io","Profile":{"bio":"b","ADDRESS":{"Country":"US"}},"source":"gateway"}`},
		{"a nested value refused", `{"name":"Al","email":"a@x.io","profile":{"address":{"country":"XX","city":"B"}}}`, 422, invalid(
			fieldError{"profile.address.country", "unknown country"})},
		{"a value the transform sets is read after", `{"name":"Al","email":" B@Y.IO"}`, 422, invalid(
			fieldError{"email", "must be at x.io"},
			fieldError{"profile.address.country", "unknown country"})},
		{"source set by the client is replaced", `{"source":"client","name":"Al","email":"a@x.io","profile":{"address":{"country":"FR"}}}`,
			200, `{"source":"gateway","name":"Al","email":"a@x.io","profile":{"address":{"country":"FR"}}}`},
	})
	// an expression that reads the record whole sees the edits before it
	checkBodies(t, tester, up, "POST", "/api/teams", []bodyCase{
		{"the whole record read", `{"role":"admin", "name":"a"}`, 200, `{"name":"a","source":"gateway"}`},
	})
}
