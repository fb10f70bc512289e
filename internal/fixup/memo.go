package fixup

import "encoding/binary"

// A memo is what an Inline that said Later found in its text — the
// matches of the group's first rule, as FindAllStringSubmatchIndex gives
// them — so that a load holding the row back (a link to a row further
// on) need not run the regular expression a second time when it writes
// the row (InlineMemo). It is self-delimiting: the length of what follows,
// then the number of matches and every match's offsets. A length of 0
// says nothing is known; the text is then matched again.

// AppendMemo appends what the last Inline found to dst (nothing known when
// it matched nothing yet).
func (f *Fixer) AppendMemo(dst []byte) []byte {
	if !f.firstKnown {
		return NoMemo(dst)
	}
	body := binary.AppendUvarint(f.memoBuf[:0], uint64(len(f.first)))
	for _, l := range f.first {
		for _, x := range l {
			body = binary.AppendVarint(body, int64(x))
		}
	}
	f.memoBuf = body
	dst = binary.AppendUvarint(dst, uint64(len(body)))
	return append(dst, body...)
}

// NoMemo appends a memo that knows nothing.
func NoMemo(dst []byte) []byte { return binary.AppendUvarint(dst, 0) }

// SplitMemo returns the first memo of b and what follows it; a damaged b
// gives an empty memo and nothing after it.
func SplitMemo(b []byte) (memo, rest []byte) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)-w) {
		return nil, nil
	}
	return b[w : w+int(n)], b[w+int(n):]
}

// readMemo decodes the matches of the first rule in text from memo
// (without its length, as SplitMemo returns it); ok is false when memo
// knows nothing or does not describe matches in text. The result is valid
// until the next call.
func (f *Fixer) readMemo(text string, memo []byte) (locs [][]int, ok bool) {
	if len(memo) == 0 || len(f.g.Rules) == 0 {
		return nil, false
	}
	n, w := binary.Uvarint(memo)
	width := 2 * (f.g.Rules[0].re.NumSubexp() + 1)
	if w <= 0 || n > uint64(len(memo)) {
		return nil, false
	}
	memo = memo[w:]
	ints := f.memoInts[:0]
	for range int(n) * width {
		x, w := binary.Varint(memo)
		if w <= 0 || x < -1 || x > int64(len(text)) {
			return nil, false
		}
		ints, memo = append(ints, int(x)), memo[w:]
	}
	if len(memo) != 0 {
		return nil, false
	}
	f.memoInts = ints
	locs = f.memoLocs[:0]
	end := 0
	for i := range int(n) {
		l := ints[i*width : (i+1)*width : (i+1)*width]
		if l[0] < end || l[1] < l[0] || !pairsFit(l) {
			return nil, false
		}
		end = l[1]
		locs = append(locs, l)
	}
	f.memoLocs = locs
	if n == 0 {
		return nil, true // known: no match
	}
	return locs, true
}

// pairsFit reports whether every capture of a match is unset (-1, -1) or
// an ordered range.
func pairsFit(l []int) bool {
	for i := 0; i < len(l); i += 2 {
		a, b := l[i], l[i+1]
		if (a < 0) != (b < 0) || a > b {
			return false
		}
	}
	return true
}
