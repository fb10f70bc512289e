package protocol

// DiffSampleKeys is how many keys a diff lists per kind of change.
const DiffSampleKeys = 10

// EntityDiff is what an import of the extraction would do to one entity:
// the rows it would insert, update, leave unchanged, and of the rows the
// environment holds whose key the extraction no longer has, those the
// entity's removal policy would remove (delete or flag) and those it would
// leave as they are (absent). Each set has its count and its first keys:
// in source order for insert, update and unchanged, by target id for
// remove and absent.
type EntityDiff struct {
	Policy    string     `json:"policy"` // keep, delete or flag
	Insert    DiffSet    `json:"insert"`
	Update    DiffUpdate `json:"update"`
	Unchanged DiffSet    `json:"unchanged"`
	Remove    DiffSet    `json:"remove"`
	Absent    DiffSet    `json:"absent"`
}

// DiffSet is a number of rows and the first of their keys.
type DiffSet struct {
	Count int64    `json:"count"`
	Keys  []string `json:"keys"`
}

// DiffUpdate is the rows an import would update, with the changed fields of
// the sampled ones.
type DiffUpdate struct {
	DiffSet
	Changes []RowChange `json:"changes"`
}

// RowChange is one updated row: its key and, per changed field, the value
// in the environment and the value the import would write, both canonical
// ("" is null). A row whose values are equal but that comes back after
// being flagged shows the field removed_at.
type RowChange struct {
	Key    string                 `json:"key"`
	Fields map[string]FieldChange `json:"fields"`
}

// FieldChange is one field's old and new canonical value.
type FieldChange struct {
	Old string `json:"old"`
	New string `json:"new"`
}
