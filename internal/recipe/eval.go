package recipe

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/value"
)

// memoSize bounds an evaluator's cache of conversion results per call
// site; the cache is emptied when full.
const memoSize = 4096

// Evaluator evaluates a Program row by row. It is not safe for concurrent
// use: each goroutine takes its own from Program.NewEvaluator.
type Evaluator struct {
	p  *Program
	vm vm.VM
	st state
}

// state is what the functions of a running expression see (the VM's
// environment): the row, where problems go, scratch space and caches.
type state struct {
	prog      *Program
	row       []string
	field     string // Problem.Field of the expression running; "" for the filter
	label     string // what its messages start with
	problems  []format.Problem
	failed    bool                // the running expression recorded a problem
	stack     []string            // value arguments of function calls
	memos     []map[string]cached // per site: recent results of slow conversions (phone, country)
	memoStats []memoStat          // per site: how well its cache does
	steps     *[]Step             // non-nil while tracing (Evaluator.Trace): every call made
}

// memoStat counts a call site's cache lookups; a cache that hardly ever
// hits is switched off.
type memoStat struct {
	lookups, hits int
	off           bool
}

// cached is a remembered conversion result.
type cached struct {
	out string
	err error
}

// NewEvaluator returns an evaluator for one goroutine.
func (p *Program) NewEvaluator() *Evaluator {
	ev := &Evaluator{p: p}
	ev.st.prog = p
	ev.st.stack = make([]string, 0, 16)
	ev.st.memos = make([]map[string]cached, len(p.sites))
	ev.st.memoStats = make([]memoStat, len(p.sites))
	return ev
}

// Eval evaluates the filter and every field for one row (values aligned
// with the program's columns). keep is false when the filter dropped the
// row; out and problems are then nil. out is aligned with the entity's
// fields: a string per field with an expression (the expression's value as
// text; nil when it gave nil or failed), nil for a field without one.
// Problems are conversions that failed (Rule: the function, "date",
// "lookup", …) and expressions that failed at run time (Rule "expression";
// "filter" for a filter that gave no true/false). A field with a problem
// has a nil value. Eval never panics.
func (ev *Evaluator) Eval(values []string) (keep bool, out []any, problems []format.Problem) {
	st := &ev.st
	st.row, st.problems = values, nil
	defer func() {
		if r := recover(); r != nil {
			st.problems = append(st.problems, format.Problem{Field: st.field, Rule: "expression",
				Message: fmt.Sprintf("%s: cannot evaluate: %v", st.label, r)})
			keep, problems = true, st.problems
		}
		st.row, st.stack = nil, st.stack[:0]
	}()
	if f := ev.p.filter; f != nil && !ev.filter(f) {
		return false, nil, nil
	}
	out = make([]any, len(ev.p.fields))
	for i, f := range ev.p.fields {
		if f != nil {
			out[i] = ev.field(f)
		}
	}
	return true, out, st.problems
}

// filter evaluates the filter; a filter that fails keeps the row, with the
// problem, so that it is rejected rather than lost.
func (ev *Evaluator) filter(f *compiled) bool {
	st := &ev.st
	st.field, st.label, st.failed = "", f.label, false
	if f.cond != nil {
		return f.cond(st) || st.failed
	}
	res, err := ev.vm.Run(f.program, st)
	if err != nil {
		st.problem("expression", runtimeMessage(err))
		return true
	}
	b, ok := res.(bool)
	if !ok {
		st.problem("filter", fmt.Sprintf("gives %s, not true or false", describe(res)))
		return true
	}
	return b || st.failed
}

// field evaluates one field's expression: its text, or nil when it gave
// nil or failed.
func (ev *Evaluator) field(f *compiled) any {
	if s, ok := ev.fieldText(f); ok {
		return s
	}
	return nil
}

// fieldText evaluates one field's expression as text; ok is false when it
// gave nil or failed.
func (ev *Evaluator) fieldText(f *compiled) (string, bool) {
	st := &ev.st
	st.field, st.label, st.failed = f.field, f.label, false
	if f.direct != nil {
		s := f.direct(st)
		return s, !st.failed
	}
	res, err := ev.vm.Run(f.program, st)
	if err != nil {
		st.problem("expression", runtimeMessage(err))
		return "", false
	}
	if st.failed || res == nil {
		return "", false
	}
	s, ok := toText(res)
	if !ok {
		st.problem("expression", fmt.Sprintf("gives %s, not a value", describe(res)))
		return "", false
	}
	return s, true
}

// EvalText is Eval for the hot path: the fields' values are written as
// text into out (len(out) must be the number of the entity's fields; ""
// for nil, a failure or a field without an expression), without boxing.
// It never panics.
func (ev *Evaluator) EvalText(values, out []string) (keep bool, problems []format.Problem) {
	st := &ev.st
	st.row, st.problems = values, nil
	defer func() {
		if r := recover(); r != nil {
			st.problems = append(st.problems, format.Problem{Field: st.field, Rule: "expression",
				Message: fmt.Sprintf("%s: cannot evaluate: %v", st.label, r)})
			keep, problems = true, st.problems
		}
		st.row, st.stack = nil, st.stack[:0]
	}()
	if f := ev.p.filter; f != nil && !ev.filter(f) {
		return false, nil
	}
	for i, f := range ev.p.fields {
		out[i] = ""
		if f != nil {
			out[i], _ = ev.fieldText(f)
		}
	}
	return true, st.problems
}

// fail records a conversion failure of the running expression.
func (st *state) fail(rule string, err error) {
	var ve *value.Error
	if errors.As(err, &ve) {
		st.problem(rule, ve.Message)
		return
	}
	st.problem(rule, err.Error())
}

func (st *state) problem(rule, msg string) {
	st.failed = true
	st.problems = append(st.problems, format.Problem{Field: st.field, Rule: rule, Message: st.label + ": " + msg})
}

// column returns column i of the current row; "" for a short row.
func (st *state) column(i int) string {
	if i < len(st.row) {
		return st.row[i]
	}
	return ""
}

// callDirect evaluates a function call without the VM: the arguments are
// pushed on the state's stack, so nested calls need no allocation.
func (st *state) callDirect(s *site, args []func(*state) string) string {
	base := len(st.stack)
	for _, a := range args {
		v := a(st)
		st.stack = append(st.stack, v)
	}
	var out string
	if st.steps != nil {
		out = st.traceCall(s, st.stack[base:])
	} else {
		out = s.spec.call(st, s, st.stack[base:])
	}
	st.stack = st.stack[:base]
	return out
}

// memo returns fn(v) from the site's cache of recent results, computing
// and remembering it on a miss. fn must be pure.
func (st *state) memo(s *site, v string, fn func(string) (string, error)) (string, error) {
	stat := &st.memoStats[s.index]
	if stat.off {
		return fn(v)
	}
	m := st.memos[s.index]
	stat.lookups++
	if r, ok := m[v]; ok {
		stat.hits++
		return r.out, r.err
	}
	if stat.lookups == memoSize && stat.hits*10 < stat.lookups {
		// Values that hardly repeat (a phone number per contact): the
		// cache would only cost; convert directly from now on.
		stat.off, st.memos[s.index] = true, nil
		return fn(v)
	}
	if m == nil || len(m) >= memoSize {
		m = make(map[string]cached, 64)
		st.memos[s.index] = m
	}
	out, err := fn(v)
	m[v] = cached{out: out, err: err}
	return out, err
}

// vmCall is $call($env, site, value args...) for the VM.
func vmCall(params ...any) (any, error) {
	st := params[0].(*state)
	s := st.prog.sites[params[1].(int)]
	base := len(st.stack)
	for _, a := range params[2:] {
		v, ok := toText(a)
		if !ok {
			return nil, fmt.Errorf("%s: an argument is %s, not a value", s.spec.name, describe(a))
		}
		st.stack = append(st.stack, v)
	}
	var out string
	if st.steps != nil {
		out = st.traceCall(s, st.stack[base:])
	} else {
		out = s.spec.call(st, s, st.stack[base:])
	}
	st.stack = st.stack[:base]
	return out, nil
}

// vmCol is $col($env, index) for the VM.
func vmCol(params ...any) (any, error) {
	return params[0].(*state).column(params[1].(int)), nil
}

// toText turns a value of an expression into text: strings as they are,
// nil as "", numbers in canonical form, booleans as true or false.
func toText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case nil:
		return "", true
	case bool:
		return strconv.FormatBool(x), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	}
	return "", false
}

func describe(v any) string {
	switch v.(type) {
	case nil:
		return "nothing"
	case string:
		return "a text"
	case []any:
		return "a list"
	case map[string]any:
		return "a map"
	}
	return fmt.Sprintf("a %T", v)
}

// runtimeMessage is the one-line message of an error the VM returned.
func runtimeMessage(err error) string {
	var fe *file.Error
	if errors.As(err, &fe) {
		return fe.Message
	}
	return err.Error()
}
