package value

import (
	"encoding/binary"
	"regexp/syntax"
	"slices"
)

// digitDFA decides whether a string of ASCII digits matches a regular
// expression, with one table step per digit. It is built once from the
// expression's program (a subset construction over the ten digits), so a
// national number is checked against a numbering plan's pattern without
// running the regexp package's matcher, which the phone fast path spent
// most of its time in. It is immutable, so safe for concurrent use.
type digitDFA struct {
	next   [][10]int32 // state → digit → state; state 0 is dead
	accept []bool      // the state matches at the end of the text
}

// maxDFAStates bounds a DFA's size; an expression that needs more keeps
// the regexp package's matcher.
const maxDFAStates = 2048

// newDigitDFA compiles pattern (Perl syntax, as regexp.Compile takes it)
// into a DFA over digits; nil when it cannot (an assertion other than
// the begin and end of the text, or too many states).
func newDigitDFA(pattern string) *digitDFA {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return nil
	}
	for _, in := range prog.Inst {
		if in.Op == syntax.InstEmptyWidth && syntax.EmptyOp(in.Arg)&^(syntax.EmptyBeginText|syntax.EmptyBeginLine|syntax.EmptyEndText|syntax.EmptyEndLine) != 0 {
			return nil // word boundaries: not worth supporting
		}
	}
	b := dfaBuilder{prog: prog, ids: map[string]int32{}}
	d := &digitDFA{}
	b.state(d, nil, false) // 0: dead
	b.state(d, []uint32{uint32(prog.Start)}, true)
	for s := 1; s < len(b.pending); s++ {
		if len(b.pending) > maxDFAStates {
			return nil
		}
		runes, _ := b.closure(b.pending[s], b.flags(s, false))
		for c := range 10 {
			var to []uint32
			for _, pc := range runes {
				if in := &prog.Inst[pc]; in.MatchRune(rune('0' + c)) {
					to = append(to, in.Out)
				}
			}
			d.next[s][c] = b.state(d, to, false)
		}
	}
	return d
}

// dfaBuilder is the subset construction's state: a DFA state is the set
// of program instructions still to run (before their empty-width
// closure), and whether it is at the start of the text.
type dfaBuilder struct {
	prog    *syntax.Prog
	ids     map[string]int32
	pending [][]uint32
	start   []bool
	seen    []bool
	stack   []uint32
}

// state returns the id of the state (pcs, atStart), adding it if new.
func (b *dfaBuilder) state(d *digitDFA, pcs []uint32, atStart bool) int32 {
	slices.Sort(pcs)
	pcs = slices.Compact(pcs)
	if len(pcs) == 0 && len(b.pending) > 0 {
		return 0
	}
	key := make([]byte, 0, 1+4*len(pcs))
	if atStart {
		key = append(key, 1)
	} else {
		key = append(key, 0)
	}
	for _, pc := range pcs {
		key = binary.LittleEndian.AppendUint32(key, pc)
	}
	if id, ok := b.ids[string(key)]; ok {
		return id
	}
	id := int32(len(b.pending))
	b.ids[string(key)] = id
	b.pending = append(b.pending, pcs)
	b.start = append(b.start, atStart)
	d.next = append(d.next, [10]int32{})
	_, match := b.closure(pcs, b.flags(int(id), true))
	d.accept = append(d.accept, match)
	return id
}

// flags are the assertions true at state s's position; atEnd: at the end
// of the text.
func (b *dfaBuilder) flags(s int, atEnd bool) syntax.EmptyOp {
	var f syntax.EmptyOp
	if b.start[s] {
		f |= syntax.EmptyBeginText | syntax.EmptyBeginLine
	}
	if atEnd {
		f |= syntax.EmptyEndText | syntax.EmptyEndLine
	}
	return f
}

// closure follows the empty-width instructions from pcs under flags: the
// rune instructions reached, and whether a match is.
func (b *dfaBuilder) closure(pcs []uint32, flags syntax.EmptyOp) (runes []uint32, match bool) {
	if len(b.seen) < len(b.prog.Inst) {
		b.seen = make([]bool, len(b.prog.Inst))
	}
	clear(b.seen)
	b.stack = append(b.stack[:0], pcs...)
	for len(b.stack) > 0 {
		pc := b.stack[len(b.stack)-1]
		b.stack = b.stack[:len(b.stack)-1]
		if b.seen[pc] {
			continue
		}
		b.seen[pc] = true
		switch in := &b.prog.Inst[pc]; in.Op {
		case syntax.InstAlt, syntax.InstAltMatch:
			b.stack = append(b.stack, in.Arg, in.Out)
		case syntax.InstCapture, syntax.InstNop:
			b.stack = append(b.stack, in.Out)
		case syntax.InstEmptyWidth:
			if syntax.EmptyOp(in.Arg)&^flags == 0 {
				b.stack = append(b.stack, in.Out)
			}
		case syntax.InstMatch:
			match = true
		case syntax.InstRune, syntax.InstRune1, syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
			runes = append(runes, pc)
		}
	}
	return runes, match
}

// match reports whether s matches; ok is false when s is not all ASCII
// digits (the caller then asks the regexp).
func (d *digitDFA) match(s string) (matched, ok bool) {
	st := int32(1)
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return false, false
		}
		if st = d.next[st][c]; st == 0 {
			// Dead: no digit string with this prefix matches, but a
			// later non-digit must still send s to the regexp.
			for ; i < len(s); i++ {
				if s[i]-'0' > 9 {
					return false, false
				}
			}
			return false, true
		}
	}
	return d.accept[st], true
}
