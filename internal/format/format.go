// Package format holds the target format: the entities (tables) a migration
// loads, their fields, types and constraints, and the normalisation of a
// transformed value into the field's canonical text form.
package format

// Type is a field's type as written in format.yaml.
type Type string

// The field types of DESIGN.md.
const (
	String   Type = "string"
	Int      Type = "int"
	Decimal  Type = "decimal"
	Bool     Type = "bool"
	Date     Type = "date"
	Datetime Type = "datetime"
	Email    Type = "email"
	Phone    Type = "phone"
	Country  Type = "country"
	Enum     Type = "enum"
	Ref      Type = "ref"
)

// Types lists every valid type, in documentation order.
var Types = []Type{String, Int, Decimal, Bool, Date, Datetime, Email, Phone, Country, Enum, Ref}

// Removal policies for rows present in an environment but absent from a
// later extraction.
const (
	RemovedKeep   = "keep"
	RemovedDelete = "delete"
	RemovedFlag   = "flag"
)

// Format is a parsed format.yaml: entities in load order.
type Format struct {
	Path     string    // file it was read from
	Entities []*Entity // in load order
}

// Entity is one target table.
type Entity struct {
	Name    string
	Table   string // target table; defaults to Name
	Key     string // name of the key field
	Removed string // keep (default), delete or flag
	Fields  []*Field
	Line    int // line in format.yaml
}

// Field is one target column.
//
// Canonical text forms (what Normalize returns, what is fingerprinted and
// loaded; "" always means null):
//
//	string, email, enum   the text (email lower-cased domain kept as given)
//	int                   base-10 digits with optional leading '-'
//	decimal               digits with '.' as decimal point, no exponent,
//	                      no thousands separators, scale digits when Scale is set
//	bool                  "true" or "false"
//	date                  YYYY-MM-DD
//	datetime              RFC 3339 in UTC: 2006-01-02T15:04:05Z
//	phone                 E.164: +41441234567
//	country               ISO 3166-1 alpha-2, upper case: CH
//	ref                   the referenced entity's source key
type Field struct {
	Name      string
	Column    string // target column; defaults to Name
	Type      Type
	Required  bool
	Unique    bool
	MaxLength int    // 0: no limit
	Min       string // "" when unset; compared by type (int, decimal, date, datetime; string length otherwise)
	Max       string // "" when unset
	Pattern   string // Go regexp the whole value must match; "" when unset
	// PatternHint says in words what Pattern asks for; rejects and the
	// customer's format description show it instead of the expression.
	PatternHint string
	// AllowControl lets the field hold control characters (other than
	// tab, CR and LF, which are always allowed) and bidi controls.
	AllowControl bool
	Values       []string // enum values
	Entity       string   // ref: referenced entity name
	Scale        int      // decimal: digits after the point; -1 when unset
	Line         int      // line in format.yaml

	check *fieldCheck // prepared constraints, set by Compile (validate.go)
}

// Entity returns the entity by name, or nil.
func (f *Format) Entity(name string) *Entity {
	for _, e := range f.Entities {
		if e.Name == name {
			return e
		}
	}
	return nil
}

// Field returns the field by name, or nil.
func (e *Entity) Field(name string) *Field {
	for _, f := range e.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// KeyIndex returns the position of the key field in Fields, or -1.
func (e *Entity) KeyIndex() int {
	for i, f := range e.Fields {
		if f.Name == e.Key {
			return i
		}
	}
	return -1
}

// Problem is one reason a row cannot be imported. Rule is the short rule
// name ("required", "date", "max_length", "unique", "ref", "lookup", …);
// Message is a sentence a customer understands, starting with the field
// name: `birth_date: "31.02.1980" is not a valid date (DD.MM.YYYY)`.
type Problem struct {
	Field   string
	Rule    string
	Message string
}

// RuleKey is the key used in a protocol's rejects_by_rule: "field/rule".
func (p Problem) RuleKey() string {
	if p.Field == "" {
		return p.Rule
	}
	return p.Field + "/" + p.Rule
}
