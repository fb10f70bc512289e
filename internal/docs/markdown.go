package docs

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes the documentation as Markdown.
func WriteMarkdown(w io.Writer, d *Doc) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "# %s\n\n%s\n\n", d.Title, d.Intro)
	b.WriteString("## Contents\n\n")
	for _, e := range d.Entities {
		fmt.Fprintf(b, "- [%s](#%s): %d fields, key %s\n", e.Name, anchor(e.Name), len(e.Fields), e.Key)
	}
	b.WriteString("\n## How to deliver\n\n")
	writeList(b, d.Delivery)
	b.WriteString("\n## When a row is not imported\n\n")
	b.WriteString("A row is rejected, and comes back to you with its line and the reason, when:\n\n")
	writeList(b, d.Rules)
	for _, e := range d.Entities {
		writeEntityMarkdown(b, e)
	}
	return b.Flush()
}

func writeList(b *bufio.Writer, items []string) {
	for _, s := range items {
		fmt.Fprintf(b, "- %s\n", s)
	}
}

func writeEntityMarkdown(b *bufio.Writer, e Entity) {
	fmt.Fprintf(b, "\n## %s\n\n", e.Name)
	fmt.Fprintf(b, "Each record is identified by its key **%s**.", e.Key)
	if len(e.References) > 0 {
		fmt.Fprintf(b, " References: %s.", strings.Join(e.References, ", "))
	}
	if len(e.ReferencedBy) > 0 {
		fmt.Fprintf(b, " Referenced by: %s.", strings.Join(e.ReferencedBy, ", "))
	}
	b.WriteString("\n\n| Field | Type | Required | How to write it | Example |\n|---|---|---|---|---|\n")
	for _, f := range e.Fields {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", cell("`"+f.Name+"`"), cell(f.Type), f.RequiredText(),
			cell(f.Accepted()), cell(code(f.Example)))
	}
}

// Accepted says what the field accepts: how to write a value, then the
// rules, joined by "; ".
func (f Field) Accepted() string {
	parts := make([]string, 0, len(f.Rules)+1)
	if f.Format != "" {
		parts = append(parts, f.Format)
	}
	parts = append(parts, f.Rules...)
	return strings.Join(parts, "; ")
}

// RequiredText is "yes (key)", "yes" or "no".
func (f Field) RequiredText() string {
	switch {
	case f.Key:
		return "yes (key)"
	case f.Required:
		return "yes"
	}
	return "no"
}

func code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + s + "`"
}

// cell escapes a table cell: pipes and line breaks.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

// anchor is the heading id GitHub-flavoured Markdown gives an entity name.
func anchor(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, " ", "-"))
}
