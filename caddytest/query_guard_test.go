package caddytest

import (
	"net/http"
	"testing"
)

// usersList answers GET with a list of one user carrying every hidden field.
func usersList(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Method == http.MethodGet {
		_, _ = w.Write([]byte(`[{"id":1,"name":"a","password":"pw-a","ssn":"999-1","salary":5,"notes":"n","owner":"me"}]`))
		return
	}
	_, _ = w.Write([]byte(`{}`))
}

// hiddenRefused is the problem for a parameter that refers to a hidden field.
func hiddenRefused(name string) string {
	return problemJSON(400, `the query parameter "`+name+`" refers to a field that is hidden here`)
}

// notAccepted is the problem for a parameter params does not list.
func notAccepted(name string) string {
	return problemJSON(400, `the query parameter "`+name+`" is not accepted here`)
}

// checkGets sends GET to each target and asserts the exact problem (and no
// upstream call), or the exact list and the exact URI upstream.
func checkGets(t *testing.T, client *http.Client, up *upstream, cases []queryCase, list string, headers ...string) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Helper()
			up.reset()
			res := sendWith(t, client, "GET", c.target, "", headers...)
			if c.status == 200 {
				res.expect(t, 200, list)
				up.got(t, "GET", c.want, "")
				return
			}
			res.expectProblem(t, c.status, c.want)
			up.none(t)
		})
	}
}

func TestQueryHiddenFields(t *testing.T) {
	up := newUpstream(t, usersList)
	tester := crud(t, `
		resource users /api/users {
			after read {
				hide password ssn
				hide salary if ´request.headers["x-role"] != "hr"´
				hide notes if ´record.owner != "me"´
			}
		}`, up)
	const list = `[{"id":1,"name":"a","notes":"n","owner":"me"}]`

	checkGets(t, tester.Client, up, []queryCase{
		{"equality", "/api/users?password=pw-a", 400, hiddenRefused("password")},
		{"json-server like", "/api/users?password_like=^pw-b", 400, hiddenRefused("password_like")},
		{"json-server like, other field", "/api/users?page=1&ssn_like=^999", 400, hiddenRefused("ssn_like")},
		{"bracket filter", "/api/users?filter[password]=x", 400, hiddenRefused("filter[password]")},
		{"django lookup", "/api/users?password__icontains=x", 400, hiddenRefused("password__icontains")},
		{"folded and encoded", "/api/users?PA%73SWORD=x", 400, hiddenRefused("PAsSWORD")},
		{"json-server sort", "/api/users?_sort=password", 400, hiddenRefused("_sort")},
		{"descending sort", "/api/users?sort=-password", 400, hiddenRefused("sort")},
		{"order by", "/api/users?order_by=ssn", 400, hiddenRefused("order_by")},
		{"sparse fieldset", "/api/users?fields[users]=name,ssn", 400, hiddenRefused("fields[users]")},
		{"odata select", "/api/users?$select=ssn", 400, hiddenRefused("$select")},
		{"odata filter", "/api/users?$filter=ssn%20eq%20%27999-1%27", 400, hiddenRefused("$filter")},
		{"conditional hide that holds", "/api/users?salary_gte=1", 400, hiddenRefused("salary_gte")},
		{"hide reading the record counts as hidden", "/api/users?notes_like=x", 400, hiddenRefused("notes_like")},
		{"ordinary parameters pass", "/api/users?page=2&limit=10&name=x", 200, "/api/users?page=2&limit=10&name=x"},
		{"a value of a non-listing parameter is not read", "/api/users?name=password&q=ssn", 200, "/api/users?name=password&q=ssn"},
		{"whole tokens only", "/api/users?passwords=1&sort=name&assn=2", 200, "/api/users?passwords=1&sort=name&assn=2"},
	}, list)

	t.Run("get", func(t *testing.T) {
		up.reset()
		send(t, tester, "GET", "/api/users/1?password=x", "").expectProblem(t, 400, hiddenRefused("password"))
		up.none(t)
	})
	t.Run("conditional hide that does not hold", func(t *testing.T) {
		checkGets(t, tester.Client, up, []queryCase{
			{"salary searchable", "/api/users?salary_gte=1", 200, "/api/users?salary_gte=1"},
			{"others still refused", "/api/users?_sort=password", 400, hiddenRefused("_sort")},
		}, `[{"id":1,"name":"a","salary":5,"notes":"n","owner":"me"}]`, "X-Role: hr")
	})
	t.Run("an action that hides nothing", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/users?password=x", `{"name":"a"}`).expect(t, 200, `{}`)
		up.got(t, "POST", "/api/users?password=x", `{"name":"a"}`)
	})
}

func TestQueryParams(t *testing.T) {
	up := newUpstream(t, usersList)
	tester := crud(t, `
		resource users /api/users {
			params page limit filter name password_like
			before create {
				params tag
			}
			after read {
				hide password
			}
		}
		resource legacy /legacy {
			rest off
			action remove POST /legacy/user_delete.php?id={id}
			params token
		}`, up)
	const list = `[{"id":1,"name":"a","ssn":"999-1","salary":5,"notes":"n","owner":"me"}]`

	checkGets(t, tester.Client, up, []queryCase{
		{"listed", "/api/users?page=2&limit=10&name=x", 200, "/api/users?page=2&limit=10&name=x"},
		{"bracket and dotted forms of a listed name", "/api/users?filter[name]=x&filter.age=3", 200, "/api/users?filter[name]=x&filter.age=3"},
		{"full-text search", "/api/users?page=1&q=secret", 400, notAccepted("q")},
		{"embedding another resource", "/api/users?_expand=user", 400, notAccepted("_expand")},
		{"names compare exactly", "/api/users?Page=2", 400, notAccepted("Page")},
		{"a listed name that refers to a hidden field", "/api/users?password_like=x", 400, hiddenRefused("password_like")},
	}, list)

	t.Run("a block's params replace the resource's", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/users?tag=x", `{"n":1}`).expect(t, 200, `{}`)
		up.got(t, "POST", "/api/users?tag=x", `{"n":1}`)
		up.reset()
		send(t, tester, "POST", "/api/users?page=1", `{"n":1}`).expectProblem(t, 400, notAccepted("page"))
		up.none(t)
	})
	t.Run("an action's query pattern is accepted", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/legacy/user_delete.php?id=3&token=t", `{}`).expect(t, 200, `{}`)
		up.got(t, "POST", "/legacy/user_delete.php?id=3&token=t", `{}`)
		up.reset()
		send(t, tester, "POST", "/legacy/user_delete.php?id=3&all=1", `{}`).expectProblem(t, 400, notAccepted("all"))
		up.none(t)
	})
}
