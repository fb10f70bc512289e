package project

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strconv"
)

// hashes computes the project's content hashes: the format file's bytes;
// the recipes as (entity name, file bytes) in format entity order; the
// lookups as (table name, file bytes) sorted by name.
func (l *loader) hashes() Hashes {
	h := sha256.New()
	for _, e := range l.p.Format.Entities {
		writeNamed(h, e.Name, l.recipes[e.Name])
	}
	recipes := sum(h)
	h = sha256.New()
	for _, name := range sortedKeys(l.lookups) {
		writeNamed(h, name, l.lookups[name])
	}
	return Hashes{Recipes: recipes, Format: hashBytes(l.formatData), Lookups: sum(h)}
}

// writeNamed writes name and data so that no two different lists of
// (name, data) pairs write the same bytes.
func writeNamed(h hash.Hash, name string, data []byte) {
	h.Write([]byte(name))
	h.Write([]byte{0})
	h.Write([]byte(strconv.Itoa(len(data))))
	h.Write([]byte{0})
	h.Write(data)
}

func hashBytes(data []byte) string {
	s := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(s[:])
}

func sum(h hash.Hash) string { return "sha256:" + hex.EncodeToString(h.Sum(nil)) }
