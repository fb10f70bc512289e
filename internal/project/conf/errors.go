// Package conf holds what the configuration loaders of handover share:
// positioned problems collected into one error, and strict decoding of YAML
// nodes into concrete values (unknown keys are problems with file and line).
package conf

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Problem is one configuration problem at a place in a file.
type Problem struct {
	File    string // as shown to the user, usually relative to the project
	Line    int    // 1-based; 0 when the problem concerns the whole file
	Message string
}

// String renders the problem as "file:line: message".
func (p Problem) String() string {
	switch {
	case p.File == "":
		return p.Message
	case p.Line <= 0:
		return p.File + ": " + p.Message
	default:
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
	}
}

// Errors is every problem found while loading configuration, in the order
// they were found. A nil or empty *Errors is no error; use Err to return it.
type Errors struct {
	Problems []Problem
}

// Error joins the problems, one per line.
func (e *Errors) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Add records a problem.
func (e *Errors) Add(file string, line int, format string, args ...any) {
	e.Problems = append(e.Problems, Problem{File: file, Line: line, Message: fmt.Sprintf(format, args...)})
}

// Len is the number of problems so far.
func (e *Errors) Len() int {
	if e == nil {
		return 0
	}
	return len(e.Problems)
}

// Err returns e when it holds a problem, nil otherwise.
func (e *Errors) Err() error {
	if e.Len() == 0 {
		return nil
	}
	return e
}

// Merge adds the problems of err: all of them when it is an *Errors, else
// one problem for the file carrying err's text.
func (e *Errors) Merge(file string, err error) {
	if err == nil {
		return
	}
	var list *Errors
	if errors.As(err, &list) {
		e.Problems = append(e.Problems, list.Problems...)
		return
	}
	e.Add(file, 0, "%s", err.Error())
}

// Sort orders the problems by line within each file, files in the order
// they first appear.
func (e *Errors) Sort() {
	if e == nil {
		return
	}
	rank := map[string]int{}
	for _, p := range e.Problems {
		if _, ok := rank[p.File]; !ok {
			rank[p.File] = len(rank)
		}
	}
	sort.SliceStable(e.Problems, func(i, j int) bool {
		a, b := e.Problems[i], e.Problems[j]
		if a.File != b.File {
			return rank[a.File] < rank[b.File]
		}
		return a.Line < b.Line
	})
}
