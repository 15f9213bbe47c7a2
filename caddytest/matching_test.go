package caddytest

import (
	"strings"
	"testing"
)

// routeCase is one request and the resource.action it should meet, with
// its parameters as JSON ("" for a request that must pass untouched).
type routeCase struct {
	name, method, path string
	action, params     string
}

// actionHeaders is a before block that shows upstream which action matched.
const actionHeaders = `
			before all {
				header X-Action ´resource + "." + action´
				header X-Params ´request.params´
			}`

func TestMatchingRestMapping(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {`+actionHeaders+`
		}`, up)

	for _, c := range []routeCase{
		{"list", "GET", "/api/users", "users.list", `{}`},
		{"list trailing slash", "GET", "/api/users/", "users.list", `{}`},
		{"list head", "HEAD", "/api/users", "users.list", `{}`},
		{"list with query", "GET", "/api/users?page=2&sort=name", "users.list", `{}`},
		{"create", "POST", "/api/users", "users.create", `{}`},
		{"create trailing slash", "POST", "/api/users/", "users.create", `{}`},
		{"get", "GET", "/api/users/7", "users.get", `{"id":"7"}`},
		{"get trailing slash", "GET", "/api/users/7/", "users.get", `{"id":"7"}`},
		{"get head", "HEAD", "/api/users/7", "users.get", `{"id":"7"}`},
		{"update put", "PUT", "/api/users/7", "users.update", `{"id":"7"}`},
		{"update patch", "PATCH", "/api/users/abc-9", "users.update", `{"id":"abc-9"}`},
		{"delete", "DELETE", "/api/users/7", "users.delete", `{"id":"7"}`},
		{"deeper path", "GET", "/api/users/7/posts", "", ""},
		{"longer name", "GET", "/api/usersx", "", ""},
		{"parent", "GET", "/api", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			up.reset()
			res := send(t, tester, c.method, c.path, "")
			if c.method == "HEAD" {
				res.expect(t, 200, "")
			} else {
				res.expect(t, 200, `{}`)
			}
			got := up.got(t, c.method, c.path, "")
			got.header(t, "X-Action", c.action)
			got.header(t, "X-Params", c.params)
		})
	}

	t.Run("body reaches create untouched", func(t *testing.T) {
		up.reset()
		body := "{ \"name\" :\t\"a\" }\n"
		send(t, tester, "POST", "/api/users", body).expect(t, 200, `{}`)
		up.got(t, "POST", "/api/users", body).header(t, "X-Action", "users.create")
	})
}

func TestMatchingNestedBase(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource posts /api/posts {`+actionHeaders+`
		}
		resource comments /api/posts/{postId}/comments {`+actionHeaders+`
		}`, up)

	for _, c := range []routeCase{
		{"parent get", "GET", "/api/posts/5", "posts.get", `{"id":"5"}`},
		{"nested list", "GET", "/api/posts/5/comments", "comments.list", `{"postId":"5"}`},
		{"nested create", "POST", "/api/posts/5/comments/", "comments.create", `{"postId":"5"}`},
		{"nested get", "GET", "/api/posts/5/comments/9", "comments.get", `{"id":"9","postId":"5"}`},
		{"nested delete", "DELETE", "/api/posts/5/comments/9", "comments.delete", `{"id":"9","postId":"5"}`},
		{"deeper than nested", "GET", "/api/posts/5/comments/9/likes", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			up.reset()
			send(t, tester, c.method, c.path, "").expect(t, 200, `{}`)
			got := up.got(t, c.method, c.path, "")
			got.header(t, "X-Action", c.action)
			got.header(t, "X-Params", c.params)
		})
	}
}

func TestMatchingDeclaredActions(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			action delete POST /legacy/user_delete.php?id={id}
			action create POST /legacy/user.php?op=add
			action count  GET  /api/users/count`+actionHeaders+`
		}
		resource me /api/users/me {`+actionHeaders+`
		}`, up)

	for _, c := range []routeCase{
		{"query parameter", "POST", "/legacy/user_delete.php?id=42", "users.delete", `{"id":"42"}`},
		{"query parameter among others", "POST", "/legacy/user_delete.php?x=1&id=42", "users.delete", `{"id":"42"}`},
		{"query parameter missing", "POST", "/legacy/user_delete.php", "", ""},
		{"literal query", "POST", "/legacy/user.php?op=add", "users.create", `{}`},
		{"literal query differs", "POST", "/legacy/user.php?op=remove", "", ""},
		{"literal beats parameter", "GET", "/api/users/count", "users.count", `{}`},
		{"parameter still matches", "GET", "/api/users/12", "users.get", `{"id":"12"}`},
		{"literal base beats parameter", "GET", "/api/users/me", "me.list", `{}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			up.reset()
			send(t, tester, c.method, c.path, "").expect(t, 200, `{}`)
			got := up.got(t, c.method, c.path, "")
			got.header(t, "X-Action", c.action)
			got.header(t, "X-Params", c.params)
		})
	}

	t.Run("legacy endpoint with another method", func(t *testing.T) {
		up.reset()
		res := send(t, tester, "GET", "/legacy/user_delete.php?id=42", "")
		res.expectProblem(t, 405, problemJSON(405, "method GET is not mapped on this resource"))
		if allow := res.Header.Get("Allow"); allow != "POST" {
			t.Fatalf("Allow %q, want POST", allow)
		}
		up.none(t)
	})
}

func TestMatchingRestOff(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			rest off
			action search GET /api/users/search`+actionHeaders+`
		}`, up)

	for _, c := range []routeCase{
		{"declared action", "GET", "/api/users/search?q=a", "users.search", `{}`},
		{"no list", "GET", "/api/users", "", ""},
		{"no get", "GET", "/api/users/7", "", ""},
		{"no create", "POST", "/api/users", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			up.reset()
			send(t, tester, c.method, c.path, "").expect(t, 200, `{}`)
			got := up.got(t, c.method, c.path, "")
			got.header(t, "X-Action", c.action)
		})
	}
}

func TestMatchingGroups(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			action count GET /api/users/count
			before read {
				header X-Read ´action´
			}
			before write {
				header X-Write ´action´
			}
			before all {
				header X-All ´action´
			}
		}`, up)

	for _, c := range []struct {
		method, path, read, write, all string
	}{
		{"GET", "/api/users", "list", "", "list"},
		{"GET", "/api/users/1", "get", "", "get"},
		{"POST", "/api/users", "", "create", "create"},
		{"PUT", "/api/users/1", "", "update", "update"},
		{"PATCH", "/api/users/1", "", "update", "update"},
		{"DELETE", "/api/users/1", "", "", "delete"},
		{"GET", "/api/users/count", "", "", "count"},
	} {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			up.reset()
			send(t, tester, c.method, c.path, "").expect(t, 200, `{}`)
			got := up.got(t, c.method, c.path, "")
			got.header(t, "X-Read", c.read)
			got.header(t, "X-Write", c.write)
			got.header(t, "X-All", c.all)
		})
	}
}

func TestMatchingCase(t *testing.T) {
	up := newUpstream(t, nil)

	t.Run("insensitive by default", func(t *testing.T) {
		tester := crud(t, `
		resource users /api/users {
			before all {
				header X-Action ´action´
				header X-Path ´request.path´
			}
		}
		resource files /api/Files {
			case_sensitive
			before all {
				header X-Action ´action´
			}
		}
		resource keys /api/keys {
			before all {
				header X-Action ´action´
			}
		}`, up)
		for _, c := range []struct{ name, path, action, path2 string }{
			{"upper case meets the rules", "/API/Users/1", "get", "/API/Users/1"},
			{"mixed case list", "/api/USERS/", "list", "/api/USERS/"},
			{"case-sensitive resource, same case", "/api/Files/1", "get", ""},
			{"case-sensitive resource, other case", "/api/files/1", "", ""},
			{"spellings that fold alike (Kelvin sign, long s)", "/api/%E2%84%AAEY%C5%BF/1", "get", ""},
			{"the last resource under a shared prefix", "/Api/Keys", "list", ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				up.reset()
				send(t, tester, "GET", c.path, "").expect(t, 200, `{}`)
				got := up.got(t, "GET", c.path, "")
				got.header(t, "X-Action", c.action)
				got.header(t, "X-Path", c.path2)
			})
		}
	})

	t.Run("case_sensitive on the handler", func(t *testing.T) {
		tester := crud(t, `
		case_sensitive
		resource users /api/users {
			before all {
				deny ´true´ 403 "denied"
			}
		}`, up)
		up.reset()
		send(t, tester, "GET", "/API/Users/1", "").expect(t, 200, `{}`)
		up.got(t, "GET", "/API/Users/1", "")
		up.reset()
		send(t, tester, "GET", "/api/users/1", "").expectProblem(t, 403, problemJSON(403, "denied"))
		up.none(t)
	})
}

func TestMatchingUnmappedMethods(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		resource users /api/users {
			before all {
				deny ´true´ 403 "denied"
			}
		}
		resource legacy /api/legacy {
			unmapped pass
			before all {
				deny ´true´ 403 "denied"
			}
		}`, up)

	for _, c := range []struct{ name, method, path, allow string }{
		{"POST on an item", "POST", "/api/users/1", "DELETE, GET, HEAD, PATCH, PUT"},
		{"DELETE on the base", "DELETE", "/api/users", "GET, HEAD, POST"},
		{"PUT on the base, trailing slash", "PUT", "/api/users/", "GET, HEAD, POST"},
		{"unknown method", "PURGE", "/api/users/1", "DELETE, GET, HEAD, PATCH, PUT"},
	} {
		t.Run(c.name, func(t *testing.T) {
			up.reset()
			res := send(t, tester, c.method, c.path, "")
			res.expectProblem(t, 405, problemJSON(405, "method "+c.method+" is not mapped on this resource"))
			if allow := res.Header.Get("Allow"); allow != c.allow {
				t.Fatalf("Allow %q, want %q", allow, c.allow)
			}
			up.none(t)
		})
	}

	for _, c := range []struct{ name, method, path string }{
		{"OPTIONS on an item passes", "OPTIONS", "/api/users/1"},
		{"OPTIONS on the base passes", "OPTIONS", "/api/users"},
		{"unmapped pass", "POST", "/api/legacy/1"},
		{"unmapped pass, base", "DELETE", "/api/legacy"},
	} {
		t.Run(c.name, func(t *testing.T) {
			up.reset()
			send(t, tester, c.method, c.path, "").expect(t, 200, `{}`)
			up.got(t, c.method, c.path, "")
		})
	}

	t.Run("mapped methods meet the rules", func(t *testing.T) {
		up.reset()
		send(t, tester, "GET", "/api/legacy/1", "").expectProblem(t, 403, problemJSON(403, "denied"))
		up.none(t)
	})
}

func TestMatchingUnmatchedPassesUntouched(t *testing.T) {
	up := newUpstream(t, nil)
	tester := crud(t, `
		max_body 64
		resource users /api/users {
			before all {
				protect role
				header -X-Secret
				query scope ´"all"´
			}
		}`, up)

	big := `{"pad":"` + strings.Repeat("a", 100) + `"}`
	for _, c := range []struct{ name, method, path, body, contentType string }{
		{"odd whitespace and a big number", "POST", "/api/other?b=2&a=%20x",
			"{ \"role\" :\"admin\",\n\t\"n\": 12345678901234567890 , \"dup\":1, \"dup\":2 }  \n", "application/json"},
		{"not JSON", "PUT", "/api/other/1", "{role: admin", "application/json"},
		{"text", "POST", "/upload", "role=admin", "text/plain"},
		{"over max_body", "POST", "/api/other", big, "application/json"},
		{"prefix of a base", "POST", "/api/usersx", `{"role":"admin"}`, "application/json"},
	} {
		t.Run(c.name, func(t *testing.T) {
			up.reset()
			send(t, tester, c.method, c.path, c.body, "Content-Type: "+c.contentType, "X-Secret: s").expect(t, 200, `{}`)
			got := up.got(t, c.method, c.path, c.body)
			got.header(t, "X-Secret", "s")
			got.header(t, "Content-Type", c.contentType)
		})
	}
}
