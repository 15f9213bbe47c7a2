package crudtest_test

import (
	"fmt"
	"os"

	"github.com/caddy-crud/caddy-crud/crudtest"
)

func Example() {
	suite, err := crudtest.Load("testdata/Caddyfile", "caddyfile")
	if err != nil {
		fmt.Println(err)
		return
	}
	file, err := crudtest.Parse("inline.yaml", []byte(`
listen: ":8080"
cases:
  - name: readers may not post
    user: {id: "6", role: reader}
    request: {method: POST, path: /api/posts, body: {title: Hi}}
    expect:
      status: 403
      upstream: {called: false}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	results := suite.Run(file.Cases)
	_ = crudtest.WriteText(os.Stdout, results)
	// Output:
	// ok   inline.yaml:4: readers may not post
	// 1 passed, 0 failed
}
