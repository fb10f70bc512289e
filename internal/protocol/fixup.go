package protocol

// FixupRejects is where a run lists the matches its fix-up rules left
// unresolved, relative to its artifacts directory.
const FixupRejects = "rejects/fixups.csv"

// Fixup is what one fix-up rule did: matches = rewritten + unresolved.
// The unresolved matches are listed in FixupRejects.
type Fixup struct {
	Rule       string `json:"rule"`
	Entity     string `json:"entity"`
	Field      string `json:"field"`
	Matches    int64  `json:"matches"`    // occurrences the rule's match found
	Rewritten  int64  `json:"rewritten"`  // occurrences replaced
	Unresolved int64  `json:"unresolved"` // occurrences left as they were
	Rows       int64  `json:"rows"`       // rows whose text the rule changed
}
