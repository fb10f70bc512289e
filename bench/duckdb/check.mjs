// The DuckDB floor of the `check` scenario: read the same delivery
// (";", Windows-1252 read as Latin-1, quoted notes), apply the same
// transforms in SQL as bench/gen/project/recipes (trim/upper/lower, strptime
// for dates, regexp for phone numbers, replace of ' in amounts, joins for
// the lookups and the structure reference), validate what the format
// checks (required, e-mail syntax, enums, min, unique key and e-mail) and
// count valid and rejected rows. Of n rows sharing an e-mail address n-1 are
// rejected, as handover does (which one stays does not change the counts,
// so no row numbers, which would serialise the read; and the duplicate
// checks are narrow aggregates joined back, not windows over wide rows). Nothing is written; a hash over every
// transformed column keeps DuckDB from skipping any transform.
//
//   node bench/duckdb/check.mjs DELIVERY_DIR LOOKUPS_DIR
//
// Prints one JSON line: {"structures": {"read", "rejected"}, "contacts": {…}}.
import { DuckDBInstance } from '@duckdb/node-api';
import path from 'node:path';

const [delivery, lookups] = process.argv.slice(2);
if (!delivery || !lookups) {
  console.error('usage: node check.mjs DELIVERY_DIR LOOKUPS_DIR');
  process.exit(2);
}
const q = (s) => "'" + s.replaceAll("'", "''") + "'";
const csv = (file) => `read_csv(${q(path.join(delivery, file))}, delim=';', header=true, quote='"', escape='"',
  encoding='latin-1', all_varchar=true, strict_mode=false)`;
const lookup = (name) => `read_csv(${q(path.join(lookups, name + '.csv'))}, header=true, all_varchar=true)`;

// The country names the delivery uses, as handover's country() maps them.
const countries = `(VALUES ('schweiz','CH'),('ch','CH'),('suisse','CH'),('svizzera','CH'),('switzerland','CH'),
  ('deutschland','DE'),('österreich','AT'),('frankreich','FR'),('italien','IT'),('liechtenstein','LI')) AS c(raw, code)`;

// phone() in SQL: the dialled digits and + (computed once per column),
// then 0041… / 0… to +41…; valid when +41 and 9 digits. A value with no
// digits at all stays invalid.
const macros = `
CREATE MACRO e164(raw, d) AS CASE WHEN nullif(trim(raw), '') IS NULL THEN NULL
  WHEN starts_with(d, '+') THEN d WHEN starts_with(d, '00') THEN '+' || d[3:]
  WHEN starts_with(d, '0') THEN '+41' || d[2:] ELSE d END;
CREATE MACRO phone_ok(v) AS (v IS NULL OR regexp_full_match(v, '\\+41[1-9][0-9]{8}'));`;
const dialled = (col) => `regexp_replace(${col}, '[^0-9+]', '', 'g')`;
const phoneOK = (v) => `phone_ok(${v})`;

const sql = `
CREATE TEMP TABLE s AS
WITH raw AS (SELECT *, ${dialled('"Telefon"')} AS tel_d FROM ${csv('firmen.csv')}),
t AS (
  SELECT trim("ID") AS external_id, trim("Firmenname") AS name, trim("Strasse") AS street,
    trim("PLZ") AS zip, trim("Ort") AS city, c.code AS country, nullif(trim("Land"), '') AS country_raw,
    e164("Telefon", tel_d) AS phone, upper(trim("UID-Nr")) AS uid
  FROM raw LEFT JOIN ${countries} ON c.raw = lower(trim(raw."Land")))
SELECT *, (external_id <> '' AND coalesce(name, '') <> '' AND (country_raw IS NULL OR country IS NOT NULL)
  AND ${phoneOK('phone')} AND (uid IS NULL OR uid = '' OR regexp_full_match(uid, 'CHE-[0-9]{3}\\.[0-9]{3}\\.[0-9]{3}'))
  AND d.external_id IS NULL) AS ok
FROM t LEFT JOIN (SELECT external_id FROM t GROUP BY external_id HAVING count(*) > 1) d USING (external_id);

CREATE TEMP VIEW k AS
WITH raw AS (SELECT *, ${dialled('"Telefon"')} AS tel_d, ${dialled('"Mobile"')} AS mob_d FROM ${csv('kontakte.csv')}),
t AS (
  SELECT trim("ID") AS external_id, coalesce(an."to", '') AS salutation, trim("Vorname") AS first_name,
    upper(trim("Nachname")) AS last_name, nullif(trim("Firma_ID"), '') AS structure, trim("Strasse") AS street,
    trim("PLZ") AS zip, trim("Ort") AS city, c.code AS country, nullif(trim("Land"), '') AS country_raw,
    e164("Telefon", tel_d) AS phone, e164("Mobile", mob_d) AS mobile,
    nullif(lower(trim("EMail")), '') AS email,
    try_strptime(nullif("Geburtsdatum", ''), '%d.%m.%Y')::DATE AS birth_date, nullif("Geburtsdatum", '') AS birth_raw,
    ka."to" AS category, nullif(trim("Kategorie"), '') AS category_raw,
    TRY_CAST(replace(nullif(trim("Umsatz"), ''), '''', '') AS DECIMAL(18, 2)) AS revenue, nullif(trim("Umsatz"), '') AS revenue_raw,
    trim("Notiz") AS note,
    try_strptime(nullif("Erstellt", ''), '%d.%m.%Y %H:%M') AS created, nullif("Erstellt", '') AS created_raw,
    CASE WHEN nullif(trim("Sprache"), '') IS NULL THEN NULL ELSE coalesce(sp."to", 'DE') END AS language,
    CASE lower(trim("Newsletter")) WHEN 'ja' THEN true WHEN 'x' THEN true WHEN '1' THEN true
      WHEN 'nein' THEN false WHEN '0' THEN false END AS newsletter,
    st."to" AS status
  FROM raw
  LEFT JOIN ${lookup('anrede')} an ON an."from" = trim(raw."Anrede")
  LEFT JOIN ${lookup('kategorien')} ka ON ka."from" = trim(raw."Kategorie")
  LEFT JOIN ${lookup('sprachen')} sp ON sp."from" = trim(raw."Sprache")
  LEFT JOIN ${lookup('status')} st ON st."from" = trim(raw."Status")
  LEFT JOIN ${countries} ON c.raw = lower(trim(raw."Land")))
SELECT t.*, (t.external_id <> '' AND coalesce(t.last_name, '') <> ''
  AND (t.country_raw IS NULL OR t.country IS NOT NULL) AND ${phoneOK('t.phone')} AND ${phoneOK('t.mobile')}
  AND (t.email IS NULL OR regexp_full_match(t.email, '[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}'))
  AND (t.birth_raw IS NULL OR (t.birth_date IS NOT NULL AND t.birth_date >= DATE '1900-01-01'))
  AND (t.category_raw IS NULL OR t.category IS NOT NULL)
  AND (t.revenue_raw IS NULL OR (t.revenue IS NOT NULL AND t.revenue >= 0))
  AND (t.created_raw IS NULL OR t.created IS NOT NULL)
  AND (t.structure IS NULL OR coalesce(s.ok, false))
  AND d.external_id IS NULL AND (t.email IS NULL OR e.keep = t.external_id)) AS ok
FROM t LEFT JOIN s ON s.external_id = t.structure
  LEFT JOIN (SELECT external_id FROM t GROUP BY external_id HAVING count(*) > 1) d ON d.external_id = t.external_id
  LEFT JOIN (SELECT email, min(external_id) AS keep FROM t WHERE email IS NOT NULL GROUP BY email) e ON e.email = t.email;
`;

const count = `
SELECT 'structures' AS entity, count(*) AS read, count(*) FILTER (NOT coalesce(ok, false)) AS rejected,
  sum(hash(external_id, name, street, zip, city, country, phone, uid)) AS h FROM s
UNION ALL
SELECT 'contacts', count(*), count(*) FILTER (NOT coalesce(ok, false)),
  sum(hash(external_id, salutation, first_name, last_name, structure, street, zip, city, country, phone, mobile,
    email, birth_date, category, revenue, note, created, language, newsletter, status)) FROM k`;

const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
await con.run(macros);
await con.run(sql);
const rows = (await con.runAndReadAll(count)).getRowObjects();
const out = {};
for (const r of rows) out[r.entity] = { read: Number(r.read), rejected: Number(r.rejected) };
console.log(JSON.stringify(out));
