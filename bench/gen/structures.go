package main

import (
	"fmt"
	"strconv"
	"strings"
)

// structureHeader is the customer's column layout of firmen.csv.
var structureHeader = []string{"ID", "Firmenname", "Strasse", "PLZ", "Ort", "Land", "Telefon", "UID-Nr"}

// cleanStructureHeader is the target table's columns, in table order.
var cleanStructureHeader = []string{"id", "external_id", "name", "street", "zip", "city", "country", "phone", "uid"}

func structureKey(j int) string { return fmt.Sprintf("F%07d", j) }

// structureBad reports whether structure j is one handover must reject.
// The first never is, so every contact can reference a good one.
func (g *gen) structureBad(j int) bool {
	return j > 1 && rowRNG(g.seed, streamStructureBad, j).chance(g.badRate)
}

// goodStructure returns j or, when j is bad, the next good structure.
func (g *gen) goodStructure(j int) int {
	for g.structureBad(j) {
		j = j%g.structures + 1
	}
	return j
}

// structure returns structure j (1-based).
func (g *gen) structure(j int) row {
	r := rowRNG(g.seed, streamStructure, j)
	id := structureKey(j)
	name := pick(r, firmWords) + " " + pick(r, firmWords) + " " + pick(r, firmKinds)
	street := pick(r, streets) + " " + strconv.Itoa(1+r.intn(300))
	pl, ctry := pick(r, places), pick(r, countries)
	phoneRaw, phone := swissPhone(r, pl.area)
	uid := fmt.Sprintf("CHE-%03d.%03d.%03d", r.intn(1000), r.intn(1000), r.intn(1000))
	uidRaw := uid
	if r.chance(0.2) {
		uidRaw = strings.ToLower(uid) + " "
	}
	raw := []string{id, name, street, pl.zip, pl.city, ctry.raw, phoneRaw, uidRaw}
	if g.structureBad(j) {
		b := rowRNG(g.seed, streamStructureBad, j)
		b.next()
		switch b.intn(3) {
		case 0:
			raw[1] = ""
		case 1:
			raw[5] = "Atlantis"
		default:
			raw[7] = "CHE-12.345.678"
		}
		return row{raw: raw}
	}
	clean := []string{strconv.Itoa(j), id, name, street, pl.zip, pl.city, ctry.code, phone, uid}
	return row{raw: raw, clean: clean}
}
