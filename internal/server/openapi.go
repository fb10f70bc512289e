package server

import (
	_ "embed"
	"net/http"
)

// openAPIDoc documents the JSON API; TestOpenAPIMatchesRouter keeps it and
// the routes in step.
//
//go:embed openapi.json
var openAPIDoc []byte

func (s *Server) openAPI(w http.ResponseWriter, _ *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(openAPIDoc)
	return err
}
