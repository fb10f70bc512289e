package core

import (
	"fmt"

	"github.com/handover/handover/internal/format"
)

// TxState is what every backend's transaction tracks of its own life:
// the mappings of the format it began with, the first failed load (after
// which Commit must not commit) and whether it is finished. Backends embed
// it, so that the rules of Loadable live in one place.
type TxState struct {
	Mappings map[string]*Mapping
	Failed   error // a Load failed: Commit must not commit
	Done     bool

	loaded map[string]bool           // entities a Load began for
	inline map[string][]*inlineGroup // fix-ups at insert time, by entity (inline.go)
}

// NewTxState returns the state of a transaction that has just begun.
func NewTxState() TxState { return TxState{Mappings: map[string]*Mapping{}, loaded: map[string]bool{}} }

// Loadable returns the mapping of e if the transaction can still load it.
func (s *TxState) Loadable(e *format.Entity) (*Mapping, error) {
	switch {
	case s.Done:
		return nil, fmt.Errorf("load %s: the transaction is already finished", e.Name)
	case s.Failed != nil:
		return nil, fmt.Errorf("load %s: an earlier load failed: %w", e.Name, s.Failed)
	}
	p := s.Mappings[e.Name]
	if p == nil {
		return nil, fmt.Errorf("load %s: the entity is not in the format the import began with", e.Name)
	}
	s.loaded[e.Name] = true
	return p, nil
}

// UniqueField returns the mapping of e if the transaction can still load
// it and e has a field i: what every backend's UniqueValues checks first.
func (s *TxState) UniqueField(e *format.Entity, i int) (*Mapping, error) {
	p, err := s.Loadable(e)
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= len(e.Fields) {
		return nil, fmt.Errorf("read unique values of %s: no field %d", e.Name, i)
	}
	return p, nil
}
