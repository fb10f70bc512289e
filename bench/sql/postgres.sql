-- The target tables of the benchmark format (bench/gen/project/format.yaml)
-- exactly as handover creates them in PostgreSQL; bench/run.sh creates them
-- in every fresh database, for handover (which checks and uses them) and
-- for the floors alike.
CREATE TABLE structures (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  external_id text NOT NULL UNIQUE, name text NOT NULL, street text, zip text, city text,
  country text, phone text, uid text);
CREATE TABLE contacts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  external_id text NOT NULL UNIQUE, salutation text, first_name text, last_name text NOT NULL,
  structure bigint, street text, zip text, city text, country text, phone text,
  mobile text, email text UNIQUE, birth_date date, category text, revenue numeric, note text,
  created timestamp with time zone, language text, newsletter boolean, status text);
