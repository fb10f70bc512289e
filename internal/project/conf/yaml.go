package conf

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/handover/handover/internal/textdist"
)

// Doc decodes the nodes of one YAML file strictly, recording every problem
// in Errs with the file and the node's line.
type Doc struct {
	File string
	Errs *Errors
	// Getenv, when set, expands ${VAR} inside string values (and $${ to a
	// literal ${). An unset or empty variable is a problem.
	Getenv func(string) string
}

// Keys maps each key a mapping may hold to what decodes its value.
type Keys map[string]func(v *yaml.Node)

// Entry is one key/value pair of a mapping whose keys are data (names).
type Entry struct {
	Key   string
	Line  int // line of the key
	Value *yaml.Node
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// Parse parses data and returns its top-level node, or nil when the file is
// empty or not valid YAML (then a problem is recorded).
func (d *Doc) Parse(data []byte) *yaml.Node {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		msg := err.Error()
		if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			d.Errs.Add(d.File, line, "invalid YAML: %s", m[2])
		} else {
			d.Errs.Add(d.File, 0, "invalid YAML: %s", strings.TrimPrefix(msg, "yaml: "))
		}
		return nil
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		d.Errs.Add(d.File, 0, "file is empty")
		return nil
	}
	return resolve(root.Content[0])
}

// Problem records a problem at n's line.
func (d *Doc) Problem(n *yaml.Node, format string, args ...any) {
	d.Errs.Add(d.File, line(n), format, args...)
}

// Map decodes mapping n: unknown keys (with a suggestion) and repeated keys
// are problems; each known key's decoder runs in file order. where names the
// mapping for messages, e.g. `in environment "dev"`; it may be empty.
// It reports whether n was a mapping.
func (d *Doc) Map(n *yaml.Node, where string, keys Keys) bool {
	entries, ok := d.entries(n, where)
	for _, e := range entries {
		fn, known := keys[e.Key]
		if !known {
			msg := fmt.Sprintf("unknown key %q", e.Key)
			if where != "" {
				msg += " " + where
			}
			if s := Suggest(e.Key, mapKeys(keys)); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			d.Errs.Add(d.File, e.Line, "%s", msg)
			continue
		}
		fn(e.Value)
	}
	return ok
}

// Entries returns the pairs of mapping n, whose keys are names chosen by the
// user; repeated keys are problems. what names the mapping, e.g. "fields".
func (d *Doc) Entries(n *yaml.Node, what string) []Entry {
	entries, _ := d.entries(n, what)
	return entries
}

func (d *Doc) entries(n *yaml.Node, what string) ([]Entry, bool) {
	n = resolve(n)
	if n == nil || isNull(n) {
		return nil, n != nil
	}
	if n.Kind != yaml.MappingNode {
		d.Problem(n, "%sexpected a mapping, got %s", label(strings.TrimPrefix(what, "in ")), kind(n))
		return nil, false
	}
	seen := map[string]int{}
	var out []Entry
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.Problem(k, "%sexpected a plain key, got %s", label(strings.TrimPrefix(what, "in ")), kind(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.Problem(k, "%skey %q repeated (first at line %d)", label(strings.TrimPrefix(what, "in ")), k.Value, first)
			continue
		}
		seen[k.Value] = k.Line
		out = append(out, Entry{Key: k.Value, Line: k.Line, Value: v})
	}
	return out, true
}

// Seq returns the items of sequence n; null is an empty list.
func (d *Doc) Seq(n *yaml.Node, what string) []*yaml.Node {
	n = resolve(n)
	if n == nil || isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.Problem(n, "%s: expected a list, got %s", what, kind(n))
		return nil
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		out[i] = resolve(c)
	}
	return out
}

// Strings decodes a list of scalars.
func (d *Doc) Strings(n *yaml.Node, what string) []string {
	var out []string
	for _, item := range d.Seq(n, what) {
		if s, ok := d.scalar(item, what); ok {
			out = append(out, d.expand(item, s, what))
		}
	}
	return out
}

// String decodes a scalar as text (null is ""), expanding ${VAR} when the
// Doc has a Getenv.
func (d *Doc) String(n *yaml.Node, what string) string {
	s, ok := d.scalar(n, what)
	if !ok {
		return ""
	}
	return d.expand(n, s, what)
}

// Text returns a scalar's text exactly as written, whatever YAML would
// make of it (12 stays "12"); null is "". Nothing is expanded.
func (d *Doc) Text(n *yaml.Node, what string) string {
	s, _ := d.scalar(n, what)
	return s
}

// Bool decodes true or false.
func (d *Doc) Bool(n *yaml.Node, what string) bool {
	s, ok := d.scalar(n, what)
	if !ok || s == "" {
		return false
	}
	if n := resolve(n); n.Tag != "!!bool" {
		d.Problem(n, "%s: expected true or false, got %s", what, show(s))
		return false
	}
	var b bool
	_ = resolve(n).Decode(&b)
	return b
}

// Int decodes a whole number; ok is false when it is absent or invalid.
func (d *Doc) Int(n *yaml.Node, what string) (int, bool) {
	s, ok := d.scalar(n, what)
	if !ok || s == "" {
		return 0, false
	}
	i, err := strconv.Atoi(s)
	if err != nil {
		d.Problem(n, "%s: expected a whole number, got %s", what, show(s))
		return 0, false
	}
	return i, true
}

// Float decodes a number; ok is false when it is absent or invalid.
func (d *Doc) Float(n *yaml.Node, what string) (float64, bool) {
	s, ok := d.scalar(n, what)
	if !ok || s == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		d.Problem(n, "%s: expected a number, got %s", what, show(s))
		return 0, false
	}
	return f, true
}

// scalar returns a scalar's text; null gives "", true.
func (d *Doc) scalar(n *yaml.Node, what string) (string, bool) {
	n = resolve(n)
	if n == nil || isNull(n) {
		return "", true
	}
	if n.Kind != yaml.ScalarNode {
		d.Problem(n, "%s: expected a single value, got %s", what, kind(n))
		return "", false
	}
	return n.Value, true
}

func (d *Doc) expand(n *yaml.Node, s, what string) string {
	if d.Getenv == nil || !strings.Contains(s, "$") {
		return s
	}
	out, err := Expand(s, d.Getenv)
	if err != nil {
		d.Problem(n, "%s: %v", what, err)
	}
	return out
}

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Expand replaces each ${VAR} in s by getenv(VAR) and each $${ by a literal
// ${. A variable that is unset or empty is an error naming it (never its
// value); the other variables are still expanded.
func Expand(s string, getenv func(string) string) (string, error) {
	var b strings.Builder
	var missing []string
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			b.WriteString("${")
			i += 3
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return s, fmt.Errorf("unterminated ${ (write $${ for a literal ${)")
			}
			name := s[i+2 : i+end]
			if !envNameRE.MatchString(name) {
				return s, fmt.Errorf("invalid variable name %q in ${…}", name)
			}
			v := getenv(name)
			if v == "" {
				missing = append(missing, name)
			}
			b.WriteString(v)
			i += end + 1
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	if len(missing) == 0 {
		return b.String(), nil
	}
	return b.String(), &UnsetError{Names: missing}
}

// UnsetError reports ${VAR}s whose variables are unset or empty.
type UnsetError struct {
	Names []string
}

func (e *UnsetError) Error() string {
	if len(e.Names) == 1 {
		return fmt.Sprintf("environment variable %s is not set", e.Names[0])
	}
	return fmt.Sprintf("environment variables %s are not set", strings.Join(e.Names, ", "))
}

// Suggest returns the candidate closest to s when it is close enough to be
// a likely typo (at most two edits, and fewer than half of s), or "".
func Suggest(s string, candidates []string) string {
	sorted := append([]string(nil), candidates...)
	sort.Strings(sorted)
	best, bestDist := "", math.MaxInt
	for _, c := range sorted {
		dist := textdist.Distance(strings.ToLower(s), strings.ToLower(c))
		if dist < bestDist {
			best, bestDist = c, dist
		}
	}
	if best == "" || bestDist > 2 || 2*bestDist >= len([]rune(s)) {
		return ""
	}
	return best
}

func mapKeys(keys Keys) []string {
	out := make([]string, 0, len(keys))
	for k := range keys {
		out = append(out, k)
	}
	return out
}

// label turns a path into a message prefix: "a.b" → "a.b: ".
func label(what string) string {
	if what == "" {
		return ""
	}
	return what + ": "
}

// Line returns n's line, or 0 for a nil node.
func Line(n *yaml.Node) int { return line(n) }

func line(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	return n.Line
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func kind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return show(n.Value)
	default:
		return "something else"
	}
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// IsIdent reports whether s is a plain SQL identifier: [A-Za-z_][A-Za-z0-9_]*.
func IsIdent(s string) bool { return identRE.MatchString(s) }

// ScalarAt returns the text of key's value in mapping n, or "" when n is no
// mapping or has no such scalar. It reads ahead (a name for messages)
// without recording problems.
func ScalarAt(n *yaml.Node, key string) string {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := resolve(n.Content[i]); k.Kind == yaml.ScalarNode && k.Value == key {
			if v := resolve(n.Content[i+1]); v.Kind == yaml.ScalarNode && !isNull(v) {
				return v.Value
			}
			return ""
		}
	}
	return ""
}

// show quotes a value for a message, unless it may carry a credential (a
// URL, user@host, a key=value connection string): those are never echoed.
func show(s string) string {
	l := strings.ToLower(s)
	if strings.Contains(l, "://") || strings.ContainsAny(l, "@=") || strings.Contains(l, "pass") || strings.Contains(l, "secret") {
		return "a value that is not shown (it may hold a credential)"
	}
	return fmt.Sprintf("%q", s)
}
