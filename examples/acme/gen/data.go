package main

var (
	maleNames = []string{"Hans", "Peter", "Thomas", "Daniel", "Martin", "Marco", "Luca", "Jörg", "René",
		"François", "Jean-Luc", "Beat", "Urs", "Reto", "Stefan", "Christian", "Michael", "Lukas",
		"Matthias", "Pascal", "Fabian", "Andrea", "Giovanni", "Noël", "Rolf", "Kurt", "Werner"}
	femaleNames = []string{"Anna", "Maria", "Ursula", "Claudia", "Sandra", "Nicole", "Barbara", "Monika",
		"Béatrice", "Chantal", "Élodie", "Francesca", "Giulia", "Sophie", "Laura", "Sarah", "Corinne",
		"Regula", "Verena", "Käthi", "Brigitte", "Zoë", "Séverine", "Heidi", "Esther"}
	lastNames = []string{"Müller", "Meier", "Schmid", "Keller", "Weber", "Huber", "Schneider", "Meyer",
		"Steiner", "Fischer", "Gerber", "Brunner", "Baumann", "Frei", "Zimmermann", "Moser", "Widmer",
		"Wyss", "Graf", "Roth", "Bühler", "Bächli", "Hürlimann", "Zürcher", "Schär", "Lüthi", "Bösch",
		"Rossi", "Bernasconi", "Ferrari", "Favre", "Rochat", "Dubois", "Lévêque", "Mercier", "Gonzalez",
		"Nguyen", "Ammann", "Aebischer", "Bärtschi", "Güntensperger", "Schäfer", "Jäggi", "Kälin",
		"Rüegg", "Stöckli", "Tschümperlin", "von Arx", "de Weck", "Bianchi"}
	streets = []string{"Bahnhofstrasse", "Hauptstrasse", "Dorfstrasse", "Seestrasse", "Kirchweg",
		"Rue du Marché", "Via Nassa", "Poststrasse", "Industriestrasse", "Schulhausstrasse", "Rosenweg",
		"Gartenstrasse", "Chemin des Vignes", "Bergstrasse", "Weinbergstrasse", "Löwenstrasse",
		"Mühlegasse", "Rämistrasse", "Avenue de la Gare", "Via Cantonale"}
	mailDomains = []string{"bluewin.ch", "gmx.ch", "hotmail.com", "gmail.com", "sunrise.ch", "outlook.com", "hispeed.ch"}
	firmSuffix  = []string{"AG", "GmbH", "& Co. AG", "Treuhand AG", "Immobilien AG", "Bau GmbH",
		"Informatik AG", "Consulting GmbH", "Sàrl", "SA", "Holding AG", "Gartenbau AG", "Druck AG", "Elektro GmbH"}
	firmPrefix = []string{"Bäckerei", "Garage", "Schreinerei", "Apotheke", "Metzgerei", "Café", "Hotel", "Praxis"}
	industries = []string{"Treuhand", "Bau", "Informatik", "Detailhandel", "Gastronomie", "Gesundheit",
		"Industrie", "Immobilien", "Handwerk", ""}
	categories = []string{"Kunde", "Kunde", "Kunde", "Stammkunde", "Stammkunde", "Premium", "VIP", "Presse", "Medien", ""}
	languages  = []string{"Deutsch", "Deutsch", "Deutsch", "Deutsch", "Französisch", "Französisch", "Italienisch", "Englisch", "de", "fr"}
	products   = []string{"Jahresabo Basic", "Jahresabo Premium", "Beratung (Stunde)", "Seminar «Datenschutz»",
		"Lizenz Pro", "Lizenz Team", "Support-Paket Gold", "Schulung vor Ort", "Hardware-Wartung",
		"Einrichtung; Pauschal", "Reisekosten", "Übersetzung FR/DE"}
	notes = []string{
		`Kunde seit 2011; bevorzugt Kontakt per "E-Mail"`,
		"Rückruf erbeten\nam Montag ab 14 Uhr",
		`Messe "Swissbau" 2024 besucht`,
		"Adresse geprüft; Post kam retour",
		"Spricht nur Französisch",
		`VIP-Anlass 2023: "sehr zufrieden"; Einladung 2025 senden`,
		"Zahlt immer pünktlich",
		"Bitte keine Werbung\nnur Rechnungen per Post",
		"Ansprechperson für Einkauf",
		`Sagt: "Das Produkt ist 'top'"`,
	}
)

// place is a town with its postcode, country as the customer writes it,
// and telephone area code.
type place struct{ zip, city, country, area string }

var swissPlaces = []place{
	{"8001", "Zürich", "Schweiz", "044"}, {"8004", "Zürich", "Schweiz", "044"}, {"3011", "Bern", "Schweiz", "031"},
	{"4051", "Basel", "Schweiz", "061"}, {"1201", "Genève", "Schweiz", "022"}, {"1003", "Lausanne", "Schweiz", "021"},
	{"6003", "Luzern", "Schweiz", "041"}, {"9000", "St. Gallen", "Schweiz", "071"}, {"6900", "Lugano", "Schweiz", "091"},
	{"8400", "Winterthur", "Schweiz", "052"}, {"2502", "Biel/Bienne", "Schweiz", "032"}, {"7000", "Chur", "CH", "081"},
	{"5000", "Aarau", "CH", "062"}, {"6300", "Zug", "Schweiz", "041"}, {"1700", "Fribourg", "Schweiz", "026"},
	{"3900", "Brig", "Schweiz", "027"}, {"8200", "Schaffhausen", "CH", "052"}, {"8640", "Rapperswil", "Schweiz", "055"},
}

var foreignPlaces = []place{
	{"79539", "Lörrach", "Deutschland", "+49 7621"}, {"78462", "Konstanz", "Deutschland", "+49 7531"},
	{"68300", "Saint-Louis", "Frankreich", "+33 3 89"}, {"22100", "Como", "Italien", "+39 031"},
	{"6900", "Bregenz", "Österreich", "+43 5574"}, {"9490", "Vaduz", "Liechtenstein", "+423"},
}
