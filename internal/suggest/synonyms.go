package suggest

import "strings"

// fieldConcepts lists, per concept, the names a column for it commonly has
// in English, German, French and Italian. The first name is the concept's
// own (a typical target field name).
func fieldConcepts() [][]string {
	return [][]string{
		{"external_id", "id", "key", "ident", "identifier", "nr", "nummer", "number", "no", "code", "kennung", "schluessel", "schlussel", "numero", "reference", "referenz", "identifiant", "codice", "old_id", "legacy_id", "source_id"},
		{"first_name", "firstname", "given name", "forename", "vorname", "prenom", "nome", "nom de bapteme"},
		{"last_name", "lastname", "surname", "family name", "name", "nachname", "familienname", "nom", "nom de famille", "cognome"},
		{"name", "company", "company name", "firm", "firma", "firmenname", "firmen name", "unternehmen", "organisation", "organization", "bezeichnung", "raison sociale", "entreprise", "societe", "nom de l entreprise", "societa", "ragione sociale", "ditta", "denominazione", "nome"},
		{"salutation", "anrede", "title", "civilite", "titre", "appellation", "titolo", "saluto", "gender", "geschlecht", "sexe", "sesso"},
		{"email", "e mail", "mail", "email address", "e mail adresse", "mailadresse", "courriel", "adresse email", "adresse e mail", "posta elettronica", "indirizzo email"},
		{"phone", "telephone", "telefon", "tel", "phone number", "telefonnummer", "telefon nr", "festnetz", "telephone fixe", "no de telephone", "numero de telephone", "telefono", "numero di telefono", "tel privat", "tel geschaeft"},
		{"mobile", "mobile phone", "cell", "cellphone", "cell phone", "handy", "natel", "mobil", "mobiltelefon", "mobilnummer", "portable", "telephone portable", "mobile no", "cellulare", "telefonino"},
		{"fax", "telefax", "fax number", "faxnummer"},
		{"birth_date", "birthdate", "birthday", "date of birth", "dob", "geburtsdatum", "geburtstag", "geb datum", "date de naissance", "naissance", "data di nascita", "data nascita", "nascita"},
		{"street", "address", "street address", "strasse", "adresse", "anschrift", "rue", "adresse postale", "via", "indirizzo", "address line 1", "adresszeile"},
		{"zip", "zip code", "postcode", "postal code", "post code", "plz", "postleitzahl", "npa", "code postal", "cp", "cap", "codice postale", "numero postale"},
		{"city", "town", "place", "ort", "ortschaft", "stadt", "wohnort", "localite", "ville", "lieu", "localita", "citta", "comune", "luogo"},
		{"country", "country code", "land", "staat", "laendercode", "landcode", "pays", "code pays", "paese", "nazione", "stato"},
		{"category", "categorie", "type", "kategorie", "typ", "art", "kundenkategorie", "kundentyp", "segment", "classe", "categoria", "tipo", "gruppe", "groupe", "gruppo"},
		{"language", "lang", "sprache", "korrespondenzsprache", "langue", "lingua", "idioma", "locale"},
		{"note", "notes", "comment", "comments", "remark", "remarks", "notiz", "notizen", "bemerkung", "bemerkungen", "kommentar", "memo", "remarque", "commentaire", "observations", "nota", "note interne", "commento", "osservazioni", "description", "beschreibung"},
		{"created", "created at", "creation date", "created on", "erstellt", "erstellt am", "erfasst", "erfasst am", "angelegt", "angelegt am", "erstelldatum", "date de creation", "cree le", "creation", "data di creazione", "creato", "creato il"},
		{"updated", "updated at", "modified", "last modified", "changed", "geaendert", "geandert", "geaendert am", "mutiert", "mutationsdatum", "date de modification", "modifie le", "data di modifica", "modificato"},
		{"revenue", "turnover", "sales", "umsatz", "jahresumsatz", "chiffre d affaires", "ca", "fatturato"},
		{"amount", "total", "sum", "value", "betrag", "summe", "gesamtbetrag", "wert", "montant", "somme", "importo", "totale", "valore"},
		{"price", "unit price", "preis", "einzelpreis", "prix", "prix unitaire", "prezzo"},
		{"quantity", "qty", "menge", "anzahl", "stueck", "quantite", "nombre", "quantita"},
		{"currency", "curr", "waehrung", "wahrung", "devise", "monnaie", "valuta", "divisa", "ccy"},
		{"date", "datum", "document date", "belegdatum", "order date", "invoice date", "rechnungsdatum", "date de facture", "data", "data fattura"},
		{"product", "item", "article", "produkt", "artikel", "leistung", "produit", "article", "prodotto", "articolo"},
		{"uid", "uid nr", "uid number", "vat", "vat number", "vat no", "mwst", "mwst nr", "ust id", "ide", "numero tva", "tva", "partita iva", "iva", "company number", "handelsregister"},
		{"website", "web", "url", "homepage", "internet", "site web", "sito web", "sito"},
		{"status", "state", "zustand", "statut", "etat", "stato"},
	}
}

// entityConcepts lists, per kind of record, the names a file or a key
// column of it commonly has. The first name is a typical entity name.
func entityConcepts() [][]string {
	return [][]string{
		{"structures", "structure", "company", "companies", "firm", "firms", "firma", "firmen", "unternehmen", "organisation", "organisations", "organization", "organizations", "account", "accounts", "entreprise", "entreprises", "societe", "societes", "societa", "ditta", "ditte", "azienda", "aziende", "organisme"},
		{"contacts", "contact", "kontakt", "kontakte", "kontaktperson", "person", "persons", "personen", "people", "personne", "personnes", "contatto", "contatti", "persona", "persone", "adressen", "adresses", "indirizzi", "address", "addresses"},
		{"sales", "sale", "verkauf", "verkaeufe", "verkaufe", "vente", "ventes", "vendita", "vendite", "order", "orders", "bestellung", "bestellungen", "auftrag", "auftraege", "commande", "commandes", "ordine", "ordini", "invoice", "invoices", "rechnung", "rechnungen", "facture", "factures", "fattura", "fatture", "beleg", "belege", "umsaetze", "transactions"},
		{"products", "product", "produkt", "produkte", "artikel", "produit", "produits", "article", "articles", "prodotto", "prodotti", "articolo", "articoli", "item", "items"},
	}
}

// vocab holds the concept lists with their names prepared for
// comparison; one is built per suggestion.
type vocab struct {
	fields, entities, values [][]string // raw names
	fieldKeys, entityKeys    [][]string // their joined forms
	valueKeys                [][]string
	weak                     map[string]bool
}

func newVocab() *vocab {
	v := &vocab{fields: fieldConcepts(), entities: entityConcepts(), values: valueConcepts(), weak: weakTokens()}
	v.fieldKeys, v.entityKeys, v.valueKeys = keysOf(v.fields), keysOf(v.entities), keysOf(v.values)
	return v
}

func keysOf(concepts [][]string) [][]string {
	out := make([][]string, len(concepts))
	for i, c := range concepts {
		out[i] = make([]string, len(c))
		for j, s := range c {
			out[i][j] = newName(s).joined
		}
	}
	return out
}

// fieldSynonyms returns the names of the field concepts a name belongs to,
// the name itself first.
func (v *vocab) fieldSynonyms(word string) []string {
	return synonymsOf(word, v.fields, v.fieldKeys)
}

// entitySynonyms returns the names of the entity concepts a name belongs
// to, the name itself first.
func (v *vocab) entitySynonyms(word string) []string {
	return synonymsOf(word, v.entities, v.entityKeys)
}

func synonymsOf(word string, concepts, keys [][]string) []string {
	key := newName(word).joined
	out := []string{word}
	for i, c := range concepts {
		if contains(keys[i], key) {
			out = append(out, c...)
		}
	}
	return out
}

// refCandidates are the names a column holding a reference to entity
// commonly has: the entity's names with and without an id suffix.
func (v *vocab) refCandidates(field, entity string) []string {
	bases := append(v.entitySynonyms(field), v.entitySynonyms(entity)...)
	var out []string
	for _, b := range bases {
		out = append(out, b)
		for _, suffix := range []string{"id", "nr", "no", "nummer", "number", "key", "ref", "code"} {
			out = append(out, b+" "+suffix)
		}
		out = append(out, "id "+b)
	}
	return out
}

// valueConcepts lists values that mean the same enum value: the first
// entry of a list is the canonical code.
func valueConcepts() [][]string {
	return [][]string{
		{"MR", "herr", "hr", "monsieur", "m", "signor", "signore", "sig", "mister", "male", "mann", "homme", "uomo"},
		{"MS", "frau", "fr", "madame", "mme", "signora", "sig ra", "sigra", "mrs", "miss", "female", "femme", "donna"},
		{"MRS", "frau", "madame", "mme", "signora", "ms"},
		{"DE", "deutsch", "german", "allemand", "tedesco", "ger", "deu"},
		{"FR", "franzoesisch", "franzosisch", "french", "francais", "francese", "fra", "fre"},
		{"IT", "italienisch", "italian", "italien", "italiano", "ita"},
		{"EN", "englisch", "english", "anglais", "inglese", "eng"},
		{"true", "ja", "yes", "oui", "si", "1", "x", "wahr"},
		{"false", "nein", "no", "non", "0", "falsch"},
	}
}

// enumMatch returns the enum value a source value stands for: the same
// value in any case, a known word for it ("Herr" → MR, "Deutsch" → DE), a
// close spelling of it ("Presse" → PRESS), or a value one of whose words
// does so and no other word contradicts ("Herr Dr." → MR); "" when none.
func (v *vocab) enumMatch(n name, values []string) string {
	if n.joined == "" {
		return ""
	}
	if ev := v.enumWord(n.joined, values); ev != "" || len(n.tokens) < 2 {
		return ev
	}
	found := ""
	for _, t := range n.tokens {
		ev := v.enumWord(t, values)
		switch {
		case ev == "":
		case found == "":
			found = ev
		case found != ev:
			return ""
		}
	}
	return found
}

// enumWord matches one word (or a whole value run together) to an enum value.
func (v *vocab) enumWord(key string, values []string) string {
	for _, ev := range values {
		if newName(ev).joined == key {
			return ev
		}
	}
	for i, c := range v.values {
		if !contains(v.valueKeys[i][1:], key) {
			continue
		}
		for _, ev := range values {
			if strings.EqualFold(ev, c[0]) {
				return ev
			}
		}
	}
	for _, ev := range values {
		if k := newName(ev).joined; len(k) >= 4 && similarity(k, key) >= 0.8 {
			return ev // a spelling of it: Presse → PRESS
		}
	}
	return ""
}
