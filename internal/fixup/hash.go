package fixup

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// Hash is "sha256:<hex>" over the rules as they run (name, entity, field,
// match, lookup, template, in order), or "" when there are none: the
// protocol's proof of which fix-ups ran.
func Hash(rules []*Rule) string {
	if len(rules) == 0 {
		return ""
	}
	h := sha256.New()
	for _, r := range rules {
		for _, s := range []string{r.Name, r.On, r.Field, r.Match, r.Entity, r.Replace} {
			h.Write([]byte(strconv.Itoa(len(s))))
			h.Write([]byte{0})
			h.Write([]byte(s))
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
