package suggest

import (
	"bytes"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Level names a confidence: high from 0.8, medium from 0.5, low below.
func Level(c float64) string {
	switch {
	case c >= 0.8:
		return "high"
	case c >= 0.5:
		return "medium"
	}
	return "low"
}

// YAML returns the draft as a recipe file: every field with a comment
// giving the column, the evidence and the confidence; fields without a
// column and source columns without a field listed in comments. A required
// field without a column gets the expression "" (every row is then
// rejected as missing that field) and a TODO, so that check runs on the
// draft as it is and shows the gap.
func (d *Draft) YAML() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Draft recipe written by `handover suggest` from %s (%d rows sampled).\n", d.Source.File, d.Sampled)
	b.WriteString("# Every expression is a suggestion with its evidence and confidence\n")
	b.WriteString("# (high >= 0.8, medium >= 0.5, low below): check each, then edit.\n")
	if len(d.Fits) > 1 {
		fmt.Fprintf(&b, "# Entity %s fits best (%s).\n", d.Entity, fitList(d.Fits))
	}
	fmt.Fprintf(&b, "entity: %s\nsource:\n  file: %s\n", d.Entity, scalar(d.Source.File))
	for _, kv := range [][2]string{{"table", d.Source.Table}, {"sheet", d.Source.Sheet}, {"encoding", d.Source.Encoding}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, "  %s: %s\n", kv[0], scalar(kv[1]))
		}
	}
	if d.Source.Delimiter != "" {
		fmt.Fprintf(&b, "  delimiter: %q\n", d.Source.Delimiter)
	}
	b.WriteString("fields:\n")
	var optional []string
	for _, s := range d.Fields {
		if s.Expr == "" {
			optional = append(optional, s.Field)
			continue
		}
		writeField(&b, s)
	}
	if len(optional) > 0 {
		b.WriteString("# No column fits these optional fields (they stay empty; add an expression if the data has them):\n")
		for _, f := range optional {
			fmt.Fprintf(&b, "#   %s:\n", f)
		}
	}
	if len(d.Unused) > 0 {
		b.WriteString("# Source columns no field uses:\n")
		for _, c := range d.Unused {
			fmt.Fprintf(&b, "#   %s%s\n", oneLine(c), oneLine(d.sampleOf(c)))
		}
	}
	return b.Bytes()
}

func writeField(b *bytes.Buffer, s Suggestion) {
	if s.Column != "" {
		fmt.Fprintf(b, "  # %s → %s, confidence %.2f %s: %s\n", oneLine(s.Column), s.Field, s.Confidence, Level(s.Confidence),
			oneLine(strings.Join(s.Evidence, "; ")))
	}
	if s.TODO != "" {
		fmt.Fprintf(b, "  # TODO %s: %s\n", s.Field, oneLine(s.TODO))
	}
	fmt.Fprintf(b, "  %s: %s\n", s.Field, scalar(s.Expr))
}

// sampleOf shows a few values of a column: "  e.g. "aktiv", "gelöscht"".
func (d *Draft) sampleOf(col string) string {
	p := d.profiles[col]
	if p == nil || p.filled == 0 {
		return "  (empty in the sample)"
	}
	return "  e.g. " + p.examples(3)
}

func fitList(fits []EntityFit) string {
	var parts []string
	for _, f := range fits {
		parts = append(parts, fmt.Sprintf("%s %.2f", f.Entity, f.Score))
	}
	return strings.Join(parts, ", ")
}

// oneLine keeps a comment on one line.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

// scalar writes s as a YAML scalar, quoted when it needs to be.
func scalar(s string) string {
	out, err := yaml.Marshal(s)
	if err != nil {
		return fmt.Sprintf("%q", s)
	}
	return strings.TrimSuffix(string(out), "\n")
}
