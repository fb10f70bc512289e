-- The target tables of the benchmark format (bench/gen/project/format.yaml)
-- exactly as handover creates them in MySQL / MariaDB; bench/run.sh creates
-- them in every fresh database, for handover (which checks and uses them)
-- and for the floor alike.
CREATE TABLE structures (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  external_id VARCHAR(255) NOT NULL, name LONGTEXT NOT NULL, street LONGTEXT, zip LONGTEXT, city LONGTEXT,
  country LONGTEXT, phone LONGTEXT, uid LONGTEXT,
  UNIQUE KEY handover_key (external_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE contacts (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  external_id VARCHAR(255) NOT NULL, salutation LONGTEXT, first_name LONGTEXT, last_name LONGTEXT NOT NULL,
  structure BIGINT, street LONGTEXT, zip LONGTEXT, city LONGTEXT, country LONGTEXT, phone LONGTEXT,
  mobile LONGTEXT, email VARCHAR(768) UNIQUE, birth_date DATE, category LONGTEXT, revenue DECIMAL(65,2), note LONGTEXT,
  created DATETIME(6), language LONGTEXT, newsletter BOOLEAN, status LONGTEXT,
  UNIQUE KEY handover_key (external_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
