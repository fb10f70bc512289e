package engine

import (
	"context"
	"fmt"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
)

// runState holds, across the entities of one run, the key sets that
// uniqueness and reference checks need (the only memory that grows with
// the number of rows).
type runState struct {
	entities map[string]*entityKeys
	envKeys  map[string]map[string]struct{} // keys already in the environment, per referenced entity
}

// entityKeys tracks one entity's keys and unique values. A key maps to the
// line of its first occurrence: positive when that row was valid, negative
// when it was rejected.
type entityKeys struct {
	keys   *keySet
	unique []uniqueField
}

// uniqueField tracks the values of one unique field: value → first line.
type uniqueField struct {
	index int
	seen  *keySet
}

func newRunState() *runState {
	return &runState{entities: map[string]*entityKeys{}, envKeys: map[string]map[string]struct{}{}}
}

func (s *runState) entity(e *format.Entity) *entityKeys {
	k := &entityKeys{keys: newKeySet()}
	for i, f := range e.Fields {
		if f.Unique && f.Name != e.Key {
			k.unique = append(k.unique, uniqueField{index: i, seen: newKeySet()})
		}
	}
	s.entities[e.Name] = k
	return k
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
// before, references to other entities. It records the row's key.
func (k *entityKeys) check(e *format.Entity, s *runState, line int, r *rowResult) []format.Problem {
	if r.values == nil {
		return nil // the row could not be read as a record at all
	}
	var ps []format.Problem
	rejected := len(r.problems) > 0
	key := ""
	if ki := e.KeyIndex(); ki >= 0 {
		key = r.values[ki]
	}
	if key == "" && !hasProblem(r.problems, e.Key) {
		ps = append(ps, format.Problem{Field: e.Key, Rule: "required", Message: e.Key + ": the key is empty"})
	}
	for _, u := range k.unique {
		name := e.Fields[u.index].Name
		if v := r.values[u.index]; v != "" && !hasProblem(r.problems, name) {
			if !u.seen.put(v, int32(line)) {
				first, _ := u.seen.get(v)
				ps = append(ps, duplicate(name, v, first))
			}
		}
	}
	for i, f := range e.Fields {
		if f.Type == format.Ref && r.values[i] != "" {
			if p := s.resolve(f, r.values[i]); p != nil {
				ps = append(ps, *p)
			}
		}
	}
	if key != "" {
		mark := int32(line)
		if rejected || len(ps) > 0 {
			mark = -mark
		}
		if !k.keys.put(key, mark) {
			first, _ := k.keys.get(key)
			ps = append(ps, duplicate(e.Key, key, first))
		}
	}
	return ps
}

func duplicate(field, v string, first int32) format.Problem {
	if first < 0 {
		first = -first
	}
	return format.Problem{Field: field, Rule: "unique",
		Message: fmt.Sprintf("%s: %q appears more than once (first on line %d)", field, v, first)}
}

// resolve checks that a reference points at a valid row of this run or at
// a row already in the environment.
func (s *runState) resolve(f *format.Field, key string) *format.Problem {
	if ek := s.entities[f.Entity]; ek != nil {
		if line, ok := ek.keys.get(key); ok && line > 0 {
			return nil
		}
	}
	if _, ok := s.envKeys[f.Entity][key]; ok {
		return nil
	}
	msg := fmt.Sprintf("%s: no %s row has the key %q", f.Name, f.Entity, key)
	if ek := s.entities[f.Entity]; ek != nil {
		if line, ok := ek.keys.get(key); ok && line < 0 {
			msg = fmt.Sprintf("%s: the %s row with the key %q was rejected (line %d)", f.Name, f.Entity, key, -line)
		}
	}
	return &format.Problem{Field: f.Name, Rule: "ref", Message: msg}
}
