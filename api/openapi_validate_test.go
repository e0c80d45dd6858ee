package api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// The OpenAPI document is checked two ways: it must be a valid OpenAPI document (kin-openapi's
// validator, the one generated clients are built with), and every answer the API tests receive
// through env.do must conform to the schema the document gives for its operation and status.
// A handler that answers a shape the document does not describe fails the test that called it.

var spec struct {
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error
}

func loadSpec() (*openapi3.T, routers.Router, error) {
	spec.once.Do(func() {
		raw, err := os.ReadFile("openapi.json")
		if err != nil {
			spec.err = err
			return
		}
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(raw)
		if err != nil {
			spec.err = err
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			spec.err = err
			return
		}
		spec.doc = doc
		// The document's server is "/", relative to wherever it is served: route on paths alone.
		routed := *doc
		routed.Servers = nil
		spec.router, spec.err = legacy.NewRouter(&routed)
	})
	return spec.doc, spec.router, spec.err
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc, _, err := loadSpec()
	if err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	// Every operation has an operationId (generated clients name their methods by it) and a
	// schema for each success answer that has a body.
	ids := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			if op.OperationID == "" {
				t.Errorf("%s has no operationId", where)
			} else if prev, dup := ids[op.OperationID]; dup {
				t.Errorf("%s and %s share operationId %q", where, prev, op.OperationID)
			}
			ids[op.OperationID] = where
			success := 0
			for code, resp := range op.Responses.Map() {
				// A form's POST answers its success with a redirect (303, see other): no body.
				if !strings.HasPrefix(code, "2") && code != "303" {
					continue
				}
				success++
				if code == "204" || code == "303" {
					continue
				}
				if len(resp.Value.Content) == 0 {
					t.Errorf("%s answers %s without a described body", where, code)
				}
				for ct, mt := range resp.Value.Content {
					if mt.Schema == nil {
						t.Errorf("%s %s %s has no schema", where, code, ct)
					}
				}
			}
			if success == 0 {
				t.Errorf("%s documents no success answer", where)
			}
		}
	}
}

// specChecked counts the answers checked against the document, per operation.
var specChecked = struct {
	sync.Mutex
	ops map[string]int
}{ops: map[string]int{}}

// checkAgainstSpec validates one answer against the document; t.Errorf names what differs.
func checkAgainstSpec(t *testing.T, req *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	_, router, err := loadSpec()
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if strings.HasPrefix(req.URL.Path, "/app/") || req.URL.Path == "/api/v1/openapi.json" {
		return // the pages' own endpoints and the document itself are not part of the API
	}
	// Route on the escaped path: an id such as "a/b c" travels as a%2Fb%20c and stays one segment.
	rr := req.Clone(context.Background())
	if rr.URL.RawPath != "" {
		rr.URL.Path = rr.URL.RawPath
	}
	route, params, err := router.FindRoute(rr)
	if err != nil {
		if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
			return // not a documented operation: nothing to compare with
		}
		t.Errorf("%s %s answered %d but matches no documented operation: %v", req.Method, req.URL.Path, status, err)
		return
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: rr, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status: status, Header: header, Body: io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if !strings.Contains(header.Get("Content-Type"), "json") {
		input.Options.ExcludeResponseBody = true
	}
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		t.Errorf("%s %s answered %d, not as openapi.json says (%s): %v\nbody: %.600s", req.Method, req.URL.Path, status, route.Operation.OperationID, err, body)
	}
	specChecked.Lock()
	specChecked.ops[route.Operation.OperationID]++
	specChecked.Unlock()
}

// TestMain reports which documented operations no test exercised, so that the list can only
// shrink. It does not fail: some operations (feeds, metrics) are tested through other clients.
func TestMain(m *testing.M) {
	code := m.Run()
	if doc, _, err := loadSpec(); err == nil && testing.Verbose() {
		var missed []string
		for _, item := range doc.Paths.Map() {
			for _, op := range item.Operations() {
				if specChecked.ops[op.OperationID] == 0 {
					missed = append(missed, op.OperationID)
				}
			}
		}
		sort.Strings(missed)
		if len(missed) > 0 {
			println("openapi: operations no test answer was checked against:", strings.Join(missed, ", "))
		}
	}
	os.Exit(code)
}
