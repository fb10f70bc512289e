package protocol

// Output proves what one entity of a run produced: the sha256 of its
// canonical valid rows (line and normalised values, in source order) and
// of its rejects file. Both are the same across runs, worker counts and
// machines for the same inputs; handover replay compares them.
type Output struct {
	Valid   string `json:"valid"`
	Rejects string `json:"rejects,omitempty"`
}

// Tests is the outcome of the recipes' fixture tests when the run began.
type Tests struct {
	Hash   string `json:"hash"` // sha256 over the test files
	Cases  int    `json:"cases"`
	Passed int    `json:"passed"`
	Failed int    `json:"failed"`
	Error  string `json:"error,omitempty"` // the tests could not run (a broken test file)
}
