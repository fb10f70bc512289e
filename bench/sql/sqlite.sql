-- The target tables of the benchmark format (bench/gen/project/format.yaml)
-- exactly as handover creates them in SQLite; bench/run.sh creates them in
-- every fresh database, for handover and for the sqlite3 .import floor.
-- One difference, on both sides alike: contacts.email has no UNIQUE
-- constraint, because the shell's .import writes an empty field as ''
-- (never NULL), so the floor could not load the contacts without an e-mail
-- address into a unique column (bench/gen's TestSchemaFilesMatch).
CREATE TABLE "structures" ("id" INTEGER PRIMARY KEY, "external_id" TEXT NOT NULL UNIQUE,
  "name" TEXT NOT NULL, "street" TEXT, "zip" TEXT, "city" TEXT, "country" TEXT, "phone" TEXT, "uid" TEXT);
CREATE TABLE "contacts" ("id" INTEGER PRIMARY KEY, "external_id" TEXT NOT NULL UNIQUE,
  "salutation" TEXT, "first_name" TEXT, "last_name" TEXT NOT NULL, "structure" INTEGER, "street" TEXT,
  "zip" TEXT, "city" TEXT, "country" TEXT, "phone" TEXT, "mobile" TEXT, "email" TEXT,
  "birth_date" TEXT, "category" TEXT, "revenue" TEXT, "note" TEXT, "created" TEXT,
  "language" TEXT, "newsletter" INTEGER, "status" TEXT);
