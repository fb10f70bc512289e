package docs

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
)

//go:embed html.tmpl
var htmlSource string

// WriteHTML writes the documentation as one self-contained HTML page
// (inline CSS, no scripts, no external resources) that prints well.
func WriteHTML(w io.Writer, d *Doc) error {
	t, err := template.New("docs").Funcs(template.FuncMap{
		"join": strings.Join,
	}).Parse(htmlSource)
	if err != nil {
		return fmt.Errorf("docs: parse html template: %w", err)
	}
	if err := t.Execute(w, d); err != nil {
		return fmt.Errorf("docs: write html: %w", err)
	}
	return nil
}
