package engine

import (
	"encoding/binary"
	"hash/maphash"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/slots"
)

// The skipped rows' part of the cross-row checks. A skipped row's key and
// unique values are not copied into the key indexes (keyindex.go): the
// skip index, which holds them in memory already, answers for them. A value
// is "in the run" when the entry holding it was taken by a row and was the
// first of the run with it (not unclaimed); lookups ask the skip index
// first, then the key index, which holds the transformed rows' values only.
// Likewise, the unique values the environment holds for the entries' keys
// stay out of the held index once UniqueValues confirmed them (confirm):
// the skip index answers which key holds them. Between them the two answer
// every question exactly as the key indexes alone would after the full
// path, at the cost of a few in-memory lookups per skipped row instead of
// log appends, spills and on-disk verifications.

// uniquePlaces returns the places among cross of e's unique fields besides
// the key, in the order of runState.entity's unique fields.
func uniquePlaces(e *format.Entity, cross []int) []int {
	var out []int
	for p, i := range cross {
		if e.Fields[i].Unique {
			out = append(out, p)
		}
	}
	return out
}

// value returns entry i's cross value at place pos.
func (x *skipIndex) value(i, pos int) []byte {
	b := x.entry(i)
	l, k := binary.Uvarint(b)
	b = b[k+int(l):]
	for p := 0; ; p++ {
		l, k := binary.Uvarint(b)
		if p == pos {
			return b[k : k+int(l)]
		}
		b = b[k+int(l):]
	}
}

// placeUnique places entry i's non-empty unique values, and marks the
// entries that share one with another entry (an environment whose rows
// are not unique: the skipped rows' checks look further only then).
func (x *skipIndex) placeUnique(i int) {
	for j := range x.uniq {
		u := &x.uniq[j]
		v := x.value(i, u.pos)
		if len(v) == 0 {
			continue
		}
		n := len(u.slots)
		s := slots.Home(maphash.Bytes(x.seed, v), n)
		for ; u.slots[s] != 0; s = slots.Next(s, n) {
			if e := int(u.slots[s] - 1); string(x.value(e, u.pos)) == string(v) {
				setBit(u.shared, i)
				setBit(u.shared, e)
			}
		}
		u.slots[s] = uint32(i + 1)
	}
}

// keyEntry returns the entry whose key is key.
func (x *skipIndex) keyEntry(key string) (int, bool) {
	n := len(x.keySlots)
	for s := slots.Home(maphash.String(x.seed, key), n); ; s = slots.Next(s, n) {
		e := x.keySlots[s]
		if e == 0 {
			return 0, false
		}
		if i := int(e - 1); string(x.key(i)) == key {
			return i, true
		}
	}
}

// valueEntries calls fn with every entry whose unique value j is v, until
// fn returns true.
func (x *skipIndex) valueEntries(j int, v string, fn func(i int) bool) {
	u := &x.uniq[j]
	n := len(u.slots)
	for s := slots.Home(maphash.String(x.seed, v), n); ; s = slots.Next(s, n) {
		e := u.slots[s]
		if e == 0 {
			return
		}
		if i := int(e - 1); string(x.value(i, u.pos)) == v && fn(i) {
			return
		}
	}
}

func bit(bits []uint64, i int) bool { return bits[i/64]&(1<<(i%64)) != 0 }

func setBit(bits []uint64, i int) { bits[i/64] |= 1 << (i % 64) }

func (x *skipIndex) claimed(i, slot int) bool {
	if !x.isTaken(i) {
		return false
	}
	_, un := x.unclaimed[uint64(i)<<8|uint64(slot)]
	return !un
}

// unclaim records that entry i's key (slot 0) or unique value j (slot
// 1+j) is not the run's first: another row had it before, or the
// environment holds it for another key.
func (x *skipIndex) unclaim(i, slot int) { x.unclaimed[uint64(i)<<8|uint64(slot)] = struct{}{} }

func (x *skipIndex) reject(i int) { setBit(x.rejected, i) }

// firstKey returns what the run holds for key from its skipped rows: the
// line of the row that took the entry of key and whether it was rejected;
// nothing for a skipped row (self >= 0), whose key's entry is its own.
func (x *skipIndex) firstKey(key string, self int) found {
	if self >= 0 {
		return found{} // the entry of self's key is self: keys are unique in the bookkeeping
	}
	i, ok := x.keyEntry(key)
	if !ok {
		return found{}
	}
	return x.firstKeyAt(i)
}

// firstKeyAt is firstKey of entry i's key.
func (x *skipIndex) firstKeyAt(i int) found {
	if !x.claimed(i, 0) {
		return found{}
	}
	return found{ok: true, line: int(x.lines[i]), rejected: bit(x.rejected, i)}
}

// firstValue returns the line of the skipped row that has v in unique
// field j first in the run, unless that is self.
func (x *skipIndex) firstValue(j int, v string, self int) found {
	var f found
	if self >= 0 && !bit(x.uniq[j].shared, self) {
		return f // no other entry has self's value
	}
	x.valueEntries(j, v, func(i int) bool {
		if i == self || !x.claimed(i, 1+j) {
			return false
		}
		f = found{ok: true, line: int(x.lines[i])}
		return true
	})
	return f
}

// holder returns a key other than key for which the environment holds v
// in unique field j, among the values confirm took; self is the entry of
// a skipped row with v (-1: none).
func (x *skipIndex) holder(j int, v, key string, self int) (string, bool) {
	var other string
	if self >= 0 && !bit(x.uniq[j].shared, self) {
		return "", false // no other entry has self's value
	}
	x.valueEntries(j, v, func(i int) bool {
		if !bit(x.uniq[j].confirmed, i) || string(x.key(i)) == key {
			return false
		}
		other = string(x.key(i))
		return true
	})
	return other, other != ""
}

// confirm takes the environment's word that it holds v in unique field j
// for key: true when that is the value of key's entry, which then answers
// for it (holder).
func (x *skipIndex) confirm(j int, v, key string) bool {
	i, ok := x.confirmNext, x.near(x.confirmNext) && string(x.key(x.confirmNext)) == key
	if !ok {
		i, ok = x.keyEntry(key)
	}
	if ok {
		x.confirmNext = i + 1
	}
	if !ok || v == "" || string(x.value(i, x.uniq[j].pos)) != v {
		return false
	}
	u := &x.uniq[j]
	if bit(u.confirmed, i) {
		return false // the environment reports the key twice: the held index keeps the second
	}
	setBit(u.confirmed, i)
	return true
}

// referenced reports whether a field of f refers to entity, so that the
// checks of later entities look its keys up.
func referenced(f *format.Format, entity string) bool {
	for _, e := range f.Entities {
		for _, fl := range e.Fields {
			if fl.Type == format.Ref && fl.Entity == entity {
				return true
			}
		}
	}
	return false
}
