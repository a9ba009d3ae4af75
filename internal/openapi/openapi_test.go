package openapi

import (
	"testing"

	"github.com/stretchr/testify/require"
)

const testSpec = `{
  "openapi": "3.1.0",
  "info": {"title": "t", "version": "1"},
  "paths": {
    "/items": {
      "post": {
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"},
          "example": {"name": "a", "count": 1}}}},
        "responses": {
          "201": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}},
          "4XX": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/items/{id}": {"get": {"responses": {"200": {"content": {"text/plain": {"schema": {"type": "string"}}}}}}},
    "/items/special": {"get": {"responses": {"204": {"description": "empty"}}}}
  },
  "components": {
    "responses": {"Error": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
    "schemas": {
      "Item": {
        "type": "object",
        "required": ["name"],
        "additionalProperties": false,
        "properties": {
          "name": {"type": "string", "minLength": 1, "maxLength": 5, "pattern": "^[a-z]+$"},
          "count": {"type": "integer", "minimum": 0, "maximum": 10},
          "ratio": {"type": ["number", "null"]},
          "kind": {"enum": ["x", "y"]},
          "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 2},
          "fixed": {"const": true},
          "either": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
          "any": {"anyOf": [{"type": "string"}, {"type": "boolean"}]},
          "both": {"allOf": [{"type": "object", "required": ["a"]}, {"type": "object", "required": ["b"]}]},
          "open": {"type": "object", "additionalProperties": {"type": "string"}}
        }
      },
      "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}
    }
  }
}`

func load(t *testing.T) *Spec {
	t.Helper()
	s, err := Load([]byte(testSpec))
	require.NoError(t, err)
	return s
}

func TestValidateBodies(t *testing.T) {
	s := load(t)
	op, err := s.Find("POST", "/items")
	require.NoError(t, err)
	good := []string{
		`{"name":"abc"}`,
		`{"name":"abc","count":0,"ratio":null,"kind":"y","tags":["t"],"fixed":true,"either":3,"any":false,"both":{"a":1,"b":2},"open":{"k":"v"}}`,
		`{"name":"a","ratio":1.5,"count":10}`,
	}
	for _, b := range good {
		key, err := op.ValidateResponse(201, "application/json; charset=utf-8", []byte(b))
		require.NoError(t, err, b)
		require.Equal(t, "201", key)
	}
	bad := map[string]string{
		`{}`:                                `missing required "name"`,
		`{"name":""}`:                       "at least 1",
		`{"name":"abcdef"}`:                 "at most 5",
		`{"name":"ABC"}`:                    "does not match",
		`{"name":"a","count":1.5}`:          "want integer",
		`{"name":"a","count":11}`:           "above 10",
		`{"name":"a","count":-1}`:           "below 0",
		`{"name":"a","ratio":"x"}`:          "want number or null",
		`{"name":"a","kind":"z"}`:           "not in",
		`{"name":"a","tags":[]}`:            "at least 1",
		`{"name":"a","tags":["a","b","c"]}`: "at most 2",
		`{"name":"a","tags":[1]}`:           "want string",
		`{"name":"a","fixed":false}`:        "want true",
		`{"name":"a","either":true}`:        "no oneOf branch",
		`{"name":"a","any":1}`:              "no anyOf branch",
		`{"name":"a","both":{"a":1}}`:       `missing required "b"`,
		`{"name":"a","open":{"k":1}}`:       "want string",
		`{"name":"a","surprise":1}`:         `property "surprise" is not described`,
		`[]`:                                "want object",
		`not json`:                          "not JSON",
	}
	for b, want := range bad {
		_, err := op.ValidateResponse(201, "application/json", []byte(b))
		require.ErrorIs(t, err, ErrInvalid, b)
		require.ErrorContains(t, err, want, b)
	}
	// oneOf must match exactly one branch.
	require.ErrorContains(t, s.Validate(map[string]any{"oneOf": []any{map[string]any{"type": "integer"}, map[string]any{"type": "number"}}}, 1.0), "2 oneOf branches")
}

func TestFindAndResponses(t *testing.T) {
	s := load(t)
	op, err := s.Find("GET", "/items/special")
	require.NoError(t, err)
	require.Equal(t, "/items/special", op.Path, "a concrete path wins over a template")
	op, err = s.Find("GET", "/items/42")
	require.NoError(t, err)
	require.Equal(t, "/items/{id}", op.Path)
	_, err = op.ValidateResponse(200, "text/plain", []byte("anything"))
	require.NoError(t, err, "non-JSON bodies are checked for their media type only")
	_, err = op.ValidateResponse(200, "application/json", []byte(`"x"`))
	require.ErrorContains(t, err, `media type "application/json" not described`)
	_, err = op.ValidateResponse(404, "text/plain", nil)
	require.ErrorIs(t, err, ErrNoResponse)

	_, err = s.Find("DELETE", "/items")
	require.ErrorIs(t, err, ErrNoOperation)
	_, err = s.Find("GET", "/nothing")
	require.ErrorIs(t, err, ErrNoOperation)
	_, err = s.Find("GET", "/items/")
	require.ErrorIs(t, err, ErrNoOperation, "an empty segment does not fill a template")

	op, err = s.Find("POST", "/items")
	require.NoError(t, err)
	key, err := op.ValidateResponse(422, "application/json", []byte(`{"error":"x"}`))
	require.NoError(t, err)
	require.Equal(t, "4XX", key, "range keys and $ref responses")
	_, err = op.ValidateResponse(422, "application/json", []byte(`{"message":"x"}`))
	require.ErrorIs(t, err, ErrInvalid)
	require.NoError(t, op.ValidateRequest("application/json", []byte(`{"name":"abc"}`)))
	require.ErrorIs(t, op.ValidateRequest("application/json", []byte(`{"name":1}`)), ErrInvalid)
	require.Equal(t, []string{"GET /items/special", "GET /items/{id}", "POST /items"}, s.Paths())

	n, err := s.CheckExamples()
	require.NoError(t, err)
	require.Equal(t, 1, n)
}

func TestLoadRejects(t *testing.T) {
	for doc, want := range map[string]string{
		`{"openapi":"3.0.3","paths":{"/":{}}}`: "want 3.1",
		`{"openapi":"3.1.0","paths":{}}`:       "no paths",
		`{"openapi":"3.1.0","paths":{"/a":{"get":{"responses":{"200":{"content":{"application/json":{"schema":{"type":"string","format":"date","uniqueItems":true}}}}}}}}}`: `unsupported schema keyword "uniqueItems"`,
		`{"openapi":"3.1.0","paths":{"/a":{"get":{"responses":{"200":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Nope"}}}}}}}}}`:                 "dangling $ref",
		`{"openapi":"3.1.0","paths":{"/a":{"get":{"responses":{"200":{"content":{"application/json":{"schema":{"pattern":"("}}}}}}}}}`:                                      "pattern",
		`{"openapi":"3.1.0","paths":{"a":{}}}`: `path "a"`,
	} {
		_, err := Load([]byte(doc))
		require.ErrorContains(t, err, want, doc)
	}
	s, err := Load([]byte(`{"openapi":"3.1.0","paths":{"/a":{"post":{"requestBody":{"content":{"application/json":{"schema":{"type":"integer"},"example":"x"}}},"responses":{}}}}}`))
	require.NoError(t, err)
	_, err = s.CheckExamples()
	require.ErrorIs(t, err, ErrInvalid, "a drifted example is reported")
}

// FuzzValidateResponse: arbitrary bodies never panic the validator, and what it accepts is
// JSON.
func FuzzValidateResponse(f *testing.F) {
	s, err := Load([]byte(testSpec))
	require.NoError(f, err)
	op, err := s.Find("POST", "/items")
	require.NoError(f, err)
	for _, seed := range []string{`{"name":"abc"}`, `{"both":{"a":1}}`, `[1,2]`, `null`, `{"name":"a","tags":[[[]]]}`, `1e999`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		_, err := op.ValidateResponse(201, "application/json", []byte(body))
		if err == nil {
			require.Contains(t, body, `"name"`)
		}
	})
}
