#!/usr/bin/env bash
# The MySQL / MariaDB floor of bench/run.sh: the clean files of an
# extraction loaded with the client's LOAD DATA LOCAL INFILE, in one
# transaction, into the tables of bench/sql/mysql.sql. Empty fields become
# NULL and the RFC 3339 times DATETIME, so the rows are the ones handover
# writes.
#   bench/sql/mysql-load.sh CLEAN_DIR DATABASE  (client options in $MYSQL_ARGS)
set -euo pipefail
clean=$1 db=$2
client=$(command -v mariadb || command -v mysql)
opts="CHARACTER SET utf8mb4 FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' ESCAPED BY '' LINES TERMINATED BY '\\n' IGNORE 1 LINES"
nul() { local s=""; for c in "$@"; do s+="${s:+, }$c = NULLIF(@$c, '')"; done; echo "$s"; }
# shellcheck disable=SC2086
"$client" $MYSQL_ARGS --local-infile=1 "$db" -e "
SET unique_checks = 1, foreign_key_checks = 1;
START TRANSACTION;
LOAD DATA LOCAL INFILE '$clean/structures.csv' INTO TABLE structures $opts
  (id, external_id, @name, @street, @zip, @city, @country, @phone, @uid)
  SET $(nul name street zip city country phone uid);
LOAD DATA LOCAL INFILE '$clean/contacts.csv' INTO TABLE contacts $opts
  (id, external_id, @salutation, @first_name, @last_name, @structure, @street, @zip, @city, @country, @phone, @mobile,
   @email, @birth_date, @category, @revenue, @note, @created, @language, @newsletter, @status)
  SET $(nul salutation first_name last_name structure street zip city country phone mobile email birth_date category revenue note language newsletter status),
  created = CAST(REPLACE(REPLACE(NULLIF(@created, ''), 'T', ' '), 'Z', '') AS DATETIME(6));
COMMIT;
SHOW WARNINGS LIMIT 5;"
