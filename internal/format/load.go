package format

import (
	"fmt"
	"math/big"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/handover/handover/internal/project/conf"
)

// LoadFormat reads and validates the format file at path. Problems are
// returned together as a *conf.Errors (one per line, "file:line: message").
func LoadFormat(path string) (*Format, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read format: %w", err)
	}
	return ParseFormat(path, data)
}

// ParseFormat parses and validates format YAML; name is the file as shown
// in messages and becomes Path. When there are problems it returns them as
// a *conf.Errors together with the format as far as it could be understood
// (nil when the YAML itself is broken), so a caller can go on checking
// what depends on it.
func ParseFormat(name string, data []byte) (*Format, error) {
	errs := &conf.Errors{}
	d := &conf.Doc{File: name, Errs: errs}
	root := d.Parse(data)
	if root == nil {
		return nil, errs
	}
	var entities *yaml.Node
	d.Map(root, "", conf.Keys{"entities": func(v *yaml.Node) { entities = v }})
	f := &Format{Path: name}
	for _, n := range d.Seq(entities, "entities") {
		if e := decodeEntity(d, n); e != nil {
			f.Entities = append(f.Entities, e)
		}
	}
	if len(f.Entities) == 0 && errs.Len() == 0 {
		d.Problem(root, "no entities: list the target's tables under entities:")
	}
	checkEntityRefs(d, f)
	errs.Sort()
	return f, errs.Err()
}

func decodeEntity(d *conf.Doc, n *yaml.Node) *Entity {
	e := &Entity{Line: n.Line, Removed: RemovedKeep}
	name := conf.ScalarAt(n, "name")
	var fields *yaml.Node
	ok := d.Map(n, fmt.Sprintf("in entity %q", name), conf.Keys{
		"name":    func(v *yaml.Node) { e.Name = d.String(v, "name") },
		"key":     func(v *yaml.Node) { e.Key = d.String(v, name+".key") },
		"table":   func(v *yaml.Node) { e.Table = d.String(v, name+".table") },
		"removed": func(v *yaml.Node) { e.Removed = d.String(v, name+".removed") },
		"fields":  func(v *yaml.Node) { fields = v },
	})
	if !ok {
		return nil
	}
	if e.Name == "" {
		d.Problem(n, "entity without a name")
		return nil
	}
	for _, fn := range d.Seq(fields, e.Name+".fields") {
		if f := decodeField(d, e.Name, fn); f != nil {
			e.Fields = append(e.Fields, f)
		}
	}
	checkEntityDecl(d, n, e)
	if e.Table == "" {
		e.Table = e.Name
	}
	if e.Removed == "" {
		e.Removed = RemovedKeep
	}
	return e
}

func decodeField(d *conf.Doc, entity string, n *yaml.Node) *Field {
	f := &Field{Line: n.Line, Scale: -1}
	path := entity + "." + conf.ScalarAt(n, "name")
	var values, scale *yaml.Node
	ok := d.Map(n, fmt.Sprintf("in field %q", path), conf.Keys{
		"name":          func(v *yaml.Node) { f.Name = d.String(v, path+".name") },
		"type":          func(v *yaml.Node) { f.Type = Type(d.String(v, path+".type")) },
		"required":      func(v *yaml.Node) { f.Required = d.Bool(v, path+".required") },
		"unique":        func(v *yaml.Node) { f.Unique = d.Bool(v, path+".unique") },
		"max_length":    func(v *yaml.Node) { f.MaxLength, _ = d.Int(v, path+".max_length") },
		"min":           func(v *yaml.Node) { f.Min = d.Text(v, path+".min") },
		"max":           func(v *yaml.Node) { f.Max = d.Text(v, path+".max") },
		"pattern":       func(v *yaml.Node) { f.Pattern = d.String(v, path+".pattern") },
		"pattern_hint":  func(v *yaml.Node) { f.PatternHint = d.String(v, path+".pattern_hint") },
		"allow_control": func(v *yaml.Node) { f.AllowControl = d.Bool(v, path+".allow_control") },
		"values":        func(v *yaml.Node) { values = v; f.Values = d.Strings(v, path+".values") },
		"entity":        func(v *yaml.Node) { f.Entity = d.String(v, path+".entity") },
		"column":        func(v *yaml.Node) { f.Column = d.String(v, path+".column") },
		"scale":         func(v *yaml.Node) { scale = v; f.Scale, _ = d.Int(v, path+".scale") },
	})
	if !ok {
		return nil
	}
	if f.Name == "" {
		d.Problem(n, "%s: field without a name", entity)
		return nil
	}
	checkFieldDecl(d, n, entity+"."+f.Name, f, values != nil, scale != nil)
	if f.Column == "" {
		f.Column = f.Name
	}
	return f
}

func checkEntityDecl(d *conf.Doc, n *yaml.Node, e *Entity) {
	switch {
	case !conf.IsIdent(e.Name):
		d.Problem(n, "entity name %q is not an identifier (letters, digits and _, not starting with a digit)", e.Name)
	case e.Table != "" && !conf.IsIdent(e.Table):
		d.Problem(n, "%s: table %q is not a valid SQL identifier ([A-Za-z_][A-Za-z0-9_]*)", e.Name, e.Table)
	}
	switch e.Removed {
	case "", RemovedKeep, RemovedDelete, RemovedFlag:
	default:
		d.Problem(n, "%s: removed must be keep, delete or flag, not %q", e.Name, e.Removed)
	}
	if len(e.Fields) == 0 {
		d.Problem(n, "%s: no fields", e.Name)
	}
	names, columns := map[string]int{}, map[string]string{}
	var all []string
	for _, f := range e.Fields {
		if first, dup := names[f.Name]; dup {
			d.Errs.Add(d.File, f.Line, "%s.%s: field defined twice (first at line %d)", e.Name, f.Name, first)
		}
		names[f.Name] = f.Line
		all = append(all, f.Name)
		col := f.Column
		if col == "" {
			col = f.Name
		}
		if other, dup := columns[strings.ToLower(col)]; dup && other != f.Name {
			d.Errs.Add(d.File, f.Line, "%s.%s: column %q is also used by field %s", e.Name, f.Name, col, other)
		}
		columns[strings.ToLower(col)] = f.Name
	}
	switch {
	case e.Key == "":
		d.Problem(n, "%s: key missing (name the field that identifies a row, e.g. key: external_id)", e.Name)
	case e.Field(e.Key) == nil:
		msg := fmt.Sprintf("%s: key %q is not a field of %s", e.Name, e.Key, e.Name)
		d.Problem(n, "%s", suggestName(msg, e.Key, all))
	}
}

func checkFieldDecl(d *conf.Doc, n *yaml.Node, path string, f *Field, hasValues, hasScale bool) {
	if !conf.IsIdent(f.Name) {
		d.Problem(n, "%s: field name %q is not an identifier (letters, digits and _, not starting with a digit)", path, f.Name)
	}
	if strings.EqualFold(f.Name, "id") {
		d.Problem(n, "%s: the name %q is reserved for the generated id column; call it e.g. external_id", path, f.Name)
	}
	if f.Column != "" && !conf.IsIdent(f.Column) {
		d.Problem(n, "%s: column %q is not a valid SQL identifier ([A-Za-z_][A-Za-z0-9_]*)", path, f.Column)
	} else if strings.EqualFold(f.Column, "id") {
		d.Problem(n, "%s: column %q is reserved for the generated id column", path, f.Column)
	}
	if !isFormatType(f.Type) {
		d.Problem(n, "%s", unknownTypeMessage(path, f.Type))
		return
	}
	if f.MaxLength < 0 {
		d.Problem(n, "%s: max_length must be 0 or more, not %d", path, f.MaxLength)
	}
	if f.Pattern != "" {
		if _, err := regexp.Compile(f.Pattern); err != nil {
			d.Problem(n, "%s: pattern does not compile: %v", path, err)
		}
	} else if f.PatternHint != "" {
		d.Problem(n, "%s: pattern_hint needs a pattern", path)
	}
	checkFieldOptions(d, n, path, f, hasValues, hasScale)
	checkFieldBounds(d, n, path, f)
}

func checkFieldOptions(d *conf.Doc, n *yaml.Node, path string, f *Field, hasValues, hasScale bool) {
	switch {
	case f.Type == Enum && len(f.Values) == 0:
		d.Problem(n, "%s: an enum needs values: [A, B, …]", path)
	case f.Type != Enum && hasValues:
		d.Problem(n, "%s: values only apply to type enum, not %s", path, f.Type)
	}
	seen := map[string]bool{}
	for _, v := range f.Values {
		if v == "" {
			d.Problem(n, "%s: empty enum value (an empty field is null; use required to forbid it)", path)
		} else if seen[v] {
			d.Problem(n, "%s: enum value %q listed twice", path, v)
		}
		seen[v] = true
	}
	switch {
	case f.Type == Ref && f.Entity == "":
		d.Problem(n, "%s: a ref needs entity: the name of the entity it points to", path)
	case f.Type != Ref && f.Entity != "":
		d.Problem(n, "%s: entity only applies to type ref, not %s", path, f.Type)
	}
	switch {
	case hasScale && f.Type != Decimal:
		d.Problem(n, "%s: scale only applies to type decimal, not %s", path, f.Type)
	case hasScale && f.Scale < 0:
		d.Problem(n, "%s: scale must be 0 or more, not %d", path, f.Scale)
	}
}

// checkFieldBounds checks that min and max parse for the type and min <= max.
func checkFieldBounds(d *conf.Doc, n *yaml.Node, path string, f *Field) {
	lo, loOK := parseBound(d, n, path, "min", f.Type, f.Min)
	hi, hiOK := parseBound(d, n, path, "max", f.Type, f.Max)
	if loOK && hiOK && lo.Cmp(hi) > 0 {
		d.Problem(n, "%s: min %s is greater than max %s", path, f.Min, f.Max)
	}
}

// parseBound parses a min or max into a number that orders like the value:
// the number itself, days or seconds since the epoch, or a length.
func parseBound(d *conf.Doc, n *yaml.Node, path, which string, t Type, s string) (*big.Rat, bool) {
	if s == "" {
		return nil, false
	}
	var r *big.Rat
	var want string
	switch t {
	case Int:
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			r = new(big.Rat).SetInt64(i)
		}
		want = "a whole number"
	case Decimal:
		if boundDecimalRE.MatchString(s) {
			r, _ = new(big.Rat).SetString(s)
		}
		want = "a decimal number like 12.50"
	case Date:
		if tm, err := time.Parse(time.DateOnly, s); err == nil {
			r = new(big.Rat).SetInt64(tm.Unix())
		}
		want = "a date YYYY-MM-DD"
	case Datetime:
		if tm, err := time.Parse(time.RFC3339, s); err == nil {
			r = new(big.Rat).SetInt64(tm.Unix())
		}
		want = "a date and time like 2024-01-31T08:00:00Z"
	default:
		if i, err := strconv.Atoi(s); err == nil && i >= 0 {
			r = new(big.Rat).SetInt64(int64(i))
		}
		want = "a length (0 or more) for type " + string(t)
	}
	if r == nil {
		d.Problem(n, "%s: %s %q is not %s", path, which, s, want)
		return nil, false
	}
	return r, true
}

var boundDecimalRE = regexp.MustCompile(`^[-+]?[0-9]+(\.[0-9]+)?$`)

// checkEntityRefs checks what spans entities: unique names and tables, and
// that every ref points to an entity loaded earlier.
func checkEntityRefs(d *conf.Doc, f *Format) {
	index, tables := map[string]int{}, map[string]string{}
	var names []string
	for i, e := range f.Entities {
		if _, dup := index[e.Name]; dup {
			d.Errs.Add(d.File, e.Line, "entity %q defined twice (first at line %d)", e.Name, f.Entities[index[e.Name]].Line)
			continue
		}
		index[e.Name] = i
		names = append(names, e.Name)
		table := strings.ToLower(e.Table)
		if other, dup := tables[table]; dup {
			d.Errs.Add(d.File, e.Line, "%s: table %q is also used by entity %s", e.Name, e.Table, other)
		}
		tables[table] = e.Name
	}
	for i, e := range f.Entities {
		for _, fl := range e.Fields {
			if fl.Type != Ref || fl.Entity == "" {
				continue
			}
			j, ok := index[fl.Entity]
			switch {
			case !ok:
				msg := fmt.Sprintf("%s.%s: ref to unknown entity %q", e.Name, fl.Name, fl.Entity)
				d.Errs.Add(d.File, fl.Line, "%s", suggestName(msg, fl.Entity, names))
			case j >= i:
				d.Errs.Add(d.File, fl.Line, "%s.%s: ref to %q which is not loaded before %s (entities load in format order)",
					e.Name, fl.Name, fl.Entity, e.Name)
			}
		}
	}
}

func isFormatType(t Type) bool {
	for _, v := range Types {
		if v == t {
			return true
		}
	}
	return false
}

func unknownTypeMessage(path string, t Type) string {
	names := make([]string, len(Types))
	for i, v := range Types {
		names[i] = string(v)
	}
	valid := "valid types: " + strings.Join(names, ", ")
	if t == "" {
		return fmt.Sprintf("%s: type missing (%s)", path, valid)
	}
	if s := conf.Suggest(string(t), names); s != "" {
		return fmt.Sprintf("%s: unknown type %q (did you mean %q? %s)", path, t, s, valid)
	}
	return fmt.Sprintf("%s: unknown type %q (%s)", path, t, valid)
}

func suggestName(msg, got string, candidates []string) string {
	if s := conf.Suggest(got, candidates); s != "" {
		return fmt.Sprintf("%s (did you mean %q?)", msg, s)
	}
	return msg
}
