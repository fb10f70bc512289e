package engine

import (
	"context"
	"fmt"
	"hash/maphash"
	"math"
	"os"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
)

// runState holds, across the entities of one run, the key indexes that
// uniqueness and reference checks need (the only memory that grows with
// the number of rows; keyindex.go keeps it bounded).
type runState struct {
	entities map[string]*entityKeys
	envKeys  map[string]map[string]struct{} // keys already in the environment, per referenced entity
	budget   *stateBudget
	seed     maphash.Seed
	indexes  []*keyIndex
}

// entityKeys tracks one entity's keys and unique values, each with the
// line of its first occurrence and whether that row was rejected.
type entityKeys struct {
	keys   *keyIndex
	unique []uniqueField
	// skip, for an import that skips unchanged rows, answers for the
	// skipped rows' keys and unique values (skipchecks.go); keys and the
	// unique fields' seen and held hold the others only.
	skip *skipIndex
	// hashes is the current batch's (probes.go), reused batch by batch.
	hashes batchHashes
}

// uniqueField tracks the values of one unique field: those of this run,
// and for an import those the environment holds (nil when the target
// cannot tell), each with the key that holds it.
type uniqueField struct {
	index int
	seen  *keyIndex
	held  *keyIndex
}

// 1/stateShare of the memory budget is what the key indexes' tables may
// take together before they spill to disk; the rest is for the rows in
// flight, the load's own state and the collector's headroom. Spilling is
// cheap for keys (a new value is answered by the runs' Bloom filters), so
// the share is small.
const stateShare = 8

// newRunState starts the run's key state; its files go to the temporary
// directory, unlinked as soon as they are created (a killed run leaves
// nothing behind). memory is the run's budget (0: none).
func newRunState(memory int64) (*runState, error) { return newRunStateIn(os.TempDir(), memory) }

func newRunStateIn(dir string, memory int64) (*runState, error) {
	limit := int64(math.MaxInt64)
	if memory > 0 {
		limit = memory / stateShare
	}
	return &runState{entities: map[string]*entityKeys{}, envKeys: map[string]map[string]struct{}{},
		budget: &stateBudget{dir: dir, limit: limit}, seed: maphash.MakeSeed()}, nil
}

func (s *runState) index() (*keyIndex, error) {
	k, err := newKeyIndex(s.budget, s.seed)
	if err != nil {
		return nil, err
	}
	s.indexes = append(s.indexes, k)
	return k, nil
}

func (s *runState) entity(e *format.Entity) (*entityKeys, error) {
	keys, err := s.index()
	if err != nil {
		return nil, err
	}
	k := &entityKeys{keys: keys}
	for i, f := range e.Fields {
		if f.Unique && f.Name != e.Key {
			seen, err := s.index()
			if err != nil {
				return nil, err
			}
			k.unique = append(k.unique, uniqueField{index: i, seen: seen})
		}
	}
	s.entities[e.Name] = k
	return k, nil
}

// close closes (and so frees) the key state's files.
func (s *runState) close() error {
	var err error
	for _, k := range s.indexes {
		if cerr := k.close(); err == nil {
			err = cerr
		}
	}
	return err
}

// loadHeld reads, for an import, the values the environment holds in e's
// unique fields, when the target can list them (load.UniqueValues).
func (s *runState) loadHeld(ctx context.Context, tx load.Tx, e *format.Entity, k *entityKeys) error {
	uv, ok := tx.(load.UniqueValues)
	if !ok {
		return nil
	}
	for i := range k.unique {
		u := &k.unique[i]
		held, err := s.index()
		if err != nil {
			return err
		}
		err = uv.UniqueValues(ctx, e, u.index, func(v, key string) error {
			if k.skip != nil && k.skip.confirm(i, v, key) {
				return nil
			}
			return held.putOwned(v, key)
		})
		if err != nil {
			return fmt.Errorf("read the %s values the environment holds: %w", e.Fields[u.index].Name, err)
		}
		u.held = held
	}
	return nil
}

// loadEnvKeys reads, for an import, the keys the environment already holds
// for every entity e references.
func (s *runState) loadEnvKeys(ctx context.Context, tx load.Tx, e *format.Entity) error {
	if tx == nil {
		return nil
	}
	for _, f := range e.Fields {
		if f.Type != format.Ref || s.envKeys[f.Entity] != nil {
			continue
		}
		keys, err := tx.Keys(ctx, f.Entity)
		if err != nil {
			return fmt.Errorf("read keys of %s: %w", f.Entity, err)
		}
		s.envKeys[f.Entity] = keys
	}
	return nil
}

// check applies the checks that span rows: key and unique values seen
// before, references to other entities. It records the row's key. hs are
// the row's hashes from prepare (probes.go; nil or 0: none computed).
func (k *entityKeys) check(e *format.Entity, s *runState, line int, r *rowResult, hs []uint64) ([]format.Problem, error) {
	if r.values == nil {
		return nil, nil // the row could not be read as a record at all
	}
	var ps []format.Problem
	rejected := len(r.problems) > 0
	self := r.skip - 1 // the skipped row's entry; -1 for a transformed row
	key := ""
	if ki := e.KeyIndex(); ki >= 0 {
		key = r.values[ki]
	}
	if key == "" && !hasProblem(r.problems, e.Key) {
		ps = append(ps, format.Problem{Field: e.Key, Rule: "required", Message: e.Key + ": the key is empty"})
	}
	for j, u := range k.unique {
		name := e.Fields[u.index].Name
		v := r.values[u.index]
		if v == "" || hasProblem(r.problems, name) {
			continue
		}
		// Held by another key of the environment: rejected, and not
		// claimed in this run, so that the key holding it may keep it.
		other, held, err := k.heldByOther(j, v, hashAt(hs, heldProbe(j)), key, self)
		if err != nil {
			return nil, fmt.Errorf("check %s: %w", name, err)
		}
		if held {
			ps = append(ps, format.Problem{Field: name, Rule: "unique",
				Message: fmt.Sprintf("%s: %q is already loaded for the key %q in the environment", name, v, other)})
			if self >= 0 {
				k.skip.unclaim(self, 1+j)
			}
			continue
		}
		first, err := k.firstValue(j, v, hashAt(hs, seenProbe(j)), line, self)
		if err != nil {
			return nil, fmt.Errorf("check %s: %w", name, err)
		}
		if first.ok {
			ps = append(ps, duplicate(name, v, first.line))
		}
	}
	nref := 0 // the reference fields so far, this one included
	for i, f := range e.Fields {
		if f.Type != format.Ref {
			continue
		}
		if nref++; r.values[i] != "" {
			p, err := s.resolve(f, r.values[i], hashAt(hs, refProbe(len(k.unique))+nref-1), r.refHint(nref-1))
			if err != nil {
				return nil, fmt.Errorf("check %s: %w", f.Name, err)
			}
			if p != nil {
				ps = append(ps, *p)
			}
		}
	}
	if self >= 0 && (rejected || len(ps) > 0) {
		k.skip.reject(self)
	}
	if key != "" {
		first, err := k.firstKey(key, hashAt(hs, keyProbe), line, rejected || len(ps) > 0, self)
		if err != nil {
			return nil, fmt.Errorf("check %s: %w", e.Key, err)
		}
		if first.ok {
			ps = append(ps, duplicate(e.Key, key, first.line))
		}
	}
	return ps, nil
}

// heldByOther reports whether the environment holds v in unique field j
// for a key other than key, and which; self is the skipped row's entry
// (-1: a transformed row), h v's hash from prepare (0: none).
func (k *entityKeys) heldByOther(j int, v string, h uint64, key string, self int) (string, bool, error) {
	u := k.unique[j]
	if u.held == nil {
		return "", false, nil
	}
	other, held, err := u.held.heldByOther(v, h, key)
	if err != nil || held || k.skip == nil {
		return other, held, err
	}
	other, held = k.skip.holder(j, v, key, self)
	return other, held, nil
}

// firstValue returns the run's first row with v in unique field j, and
// records the row on line as that row when there is none. self is the
// skipped row's entry (-1: a transformed row), which the skip index
// records by itself; h is v's hash from prepare (0: none).
func (k *entityKeys) firstValue(j int, v string, h uint64, line, self int) (found, error) {
	var skipped found
	if k.skip != nil {
		skipped = k.skip.firstValue(j, v, self)
	}
	return k.first(k.unique[j].seen, skipped, 1+j, v, h, line, false, self)
}

// firstKey is firstValue for the entity's key.
func (k *entityKeys) firstKey(key string, h uint64, line int, rejected bool, self int) (found, error) {
	var skipped found
	if k.skip != nil {
		skipped = k.skip.firstKey(key, self)
	}
	return k.first(k.keys, skipped, 0, key, h, line, rejected, self)
}

// first is firstValue and firstKey: skipped is what the skip index says of
// v, idx the key index of the transformed rows, slot v's place in the skip
// index's unclaimed set. A skipped row (self >= 0) whose value another row
// had first unclaims it; a transformed row is recorded in idx when first.
func (k *entityKeys) first(idx *keyIndex, skipped found, slot int, v string, h uint64, line int, rejected bool, self int) (found, error) {
	f, err := skipped, error(nil)
	if !f.ok {
		if self < 0 {
			return idx.putHashed(v, h, line, rejected)
		}
		f, err = idx.getHashed(v, h)
	}
	if f.ok && self >= 0 {
		k.skip.unclaim(self, slot)
	}
	return f, err
}

// getHinted returns what the run holds for key, whose hash h is from
// prepare (0: none); hint is the entry of key in the entity's skip index
// a worker found (refhints.go): entry+1, or -1 when the index has no entry
// of key; 0: not looked up.
func (k *entityKeys) getHinted(key string, h uint64, hint int32) (found, error) {
	if k.skip != nil {
		var f found
		switch {
		case hint > 0:
			f = k.skip.firstKeyAt(int(hint - 1))
		case hint == 0:
			f = k.skip.firstKey(key, -1)
		}
		if f.ok {
			return f, nil
		}
	}
	return k.keys.getHashed(key, h)
}

func duplicate(field, v string, first int) format.Problem {
	return format.Problem{Field: field, Rule: "unique",
		Message: fmt.Sprintf("%s: %q appears more than once (first on line %d)", field, v, first)}
}

// resolve checks that a reference points at a valid row of this run or at
// a row already in the environment; h is key's hash from prepare (0:
// none), hint its entry in the referenced skip index (getHinted).
func (s *runState) resolve(f *format.Field, key string, h uint64, hint int32) (*format.Problem, error) {
	var in found
	if ek := s.entities[f.Entity]; ek != nil {
		var err error
		if in, err = ek.getHinted(key, h, hint); err != nil {
			return nil, err
		}
		if in.ok && !in.rejected {
			return nil, nil
		}
	}
	if _, ok := s.envKeys[f.Entity][key]; ok {
		return nil, nil
	}
	msg := fmt.Sprintf("%s: no %s row has the key %q", f.Name, f.Entity, key)
	if in.ok {
		msg = fmt.Sprintf("%s: the %s row with the key %q was rejected (line %d)", f.Name, f.Entity, key, in.line)
	}
	return &format.Problem{Field: f.Name, Rule: "ref", Message: msg}, nil
}
