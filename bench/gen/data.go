package main

// The vocabulary of the generated delivery: a Swiss CRM's export, German
// column names, values as people typed them. Every character is one that
// Windows-1252 and Latin-1 encode alike (none of Windows-1252's 0x80-0x9F,
// which DuckDB's built-in Latin-1 reader refuses), so the DuckDB floor reads
// the very same file.

var firstNames = []string{
	"Anna", "Beat", "Claudia", "Daniel", "Elisabeth", "Franz", "Gabriela", "Hans",
	"Irène", "Jürg", "Karin", "Lukas", "Marie-Thérèse", "Niklaus", "Olivia", "Patrick",
	"Regula", "Stefan", "Ursula", "Véronique", "Werner", "Yvonne", "Zoë", "François",
	"Chloé", "Matthias", "Søren", "Luca", "Giulia", "Reto",
}

var lastNames = []string{
	"Müller", "Meier", "Schmid", "Keller", "Weber", "Huber", "Schneider", "Meyer",
	"Steiner", "Fischer", "Gerber", "Brunner", "Baumann", "Frei", "Zimmermann", "Moser",
	"Widmer", "Wyss", "Graf", "Roth", "Favre", "Bonvin", "Rossi", "Bernasconi",
	"Lüthi", "Bösch", "Dupré", "D'Amico", "von Känel", "Zürcher",
}

var streets = []string{
	"Bahnhofstrasse", "Hauptstrasse", "Dorfstrasse", "Seestrasse", "Kirchweg",
	"Rue du Marché", "Avenue de la Gare", "Via Cantonale", "Schulhausstrasse",
	"Industriestrasse", "Rütistrasse", "Bärenplatz", "Löwenstrasse", "Chemin des Épinettes",
}

// place is a town with its postcode and landline area code.
type place struct{ zip, city, area string }

var places = []place{
	{"8001", "Zürich", "044"}, {"3011", "Bern", "031"}, {"4051", "Basel", "061"},
	{"1201", "Genève", "022"}, {"1003", "Lausanne", "021"}, {"6003", "Luzern", "041"},
	{"9000", "St. Gallen", "071"}, {"6900", "Lugano", "091"}, {"8400", "Winterthur", "052"},
	{"2502", "Biel/Bienne", "032"}, {"7000", "Chur", "081"}, {"1700", "Fribourg", "026"},
	{"1950", "Sion", "027"}, {"5000", "Aarau", "062"}, {"8200", "Schaffhausen", "052"},
}

// country is a spelling in the old CRM and the ISO code it means.
type country struct{ raw, code string }

var countries = []country{
	{"Schweiz", "CH"}, {"Schweiz", "CH"}, {"Schweiz", "CH"}, {"CH", "CH"}, {"Suisse", "CH"},
	{"Svizzera", "CH"}, {"Switzerland", "CH"}, {"schweiz", "CH"}, {"Deutschland", "DE"},
	{"Österreich", "AT"}, {"Frankreich", "FR"}, {"Italien", "IT"}, {"Liechtenstein", "LI"},
}

// coded is a raw value of a lookup column and the target value it maps to.
type coded struct{ raw, code string }

var salutations = []coded{
	{"Herr", "MR"}, {"Frau", "MS"}, {"Herr Dr.", "MR"}, {"Frau Dr.", "MS"}, {"", ""}, {"Familie", ""},
}

var categories = []coded{
	{"Kunde", "REGULAR"}, {"Kunde", "REGULAR"}, {"Stammkunde", "REGULAR"}, {"Premium", "VIP"},
	{"VIP", "VIP"}, {"Presse", "PRESS"}, {"", ""},
}

var languages = []coded{
	{"Deutsch", "DE"}, {"de", "DE"}, {"Französisch", "FR"}, {"fr", "FR"}, {"Italienisch", "IT"},
	{"it", "IT"}, {"Englisch", "EN"}, {"", ""}, {"Rätoromanisch", "DE"},
}

var newsletters = []coded{{"ja", "1"}, {"nein", "0"}, {"x", "1"}, {"", ""}, {"Ja", "1"}, {"0", "0"}}

var statuses = []coded{{"aktiv", "ACTIVE"}, {"aktiv", "ACTIVE"}, {"aktiv", "ACTIVE"}, {"inaktiv", "INACTIVE"}}

var notes = []string{
	"", "", "", "Kunde seit 2010", "Rückruf erwünscht; bitte vormittags",
	`Sagt: "nur per E-Mail"`, "Zahlt immer pünktlich", `Ex-Mitarbeiter von "Alpen AG"; Vorsicht`,
	"Adresse geprüft", "Messe Basel 2019 - Stand 4", "Spricht Französisch & Deutsch",
	"Rabatt 10 %; gültig bis Ende Jahr",
}

var firmWords = []string{
	"Alpen", "Berg", "Helvetia", "Rhein", "Jura", "Säntis", "Léman", "Gotthard",
	"Matterhorn", "Aare", "Limmat", "Ticino", "Pilatus", "Rigi",
}

var firmKinds = []string{"AG", "GmbH", "SA", "Sàrl", "& Co.", "Holding AG", "Treuhand GmbH"}
