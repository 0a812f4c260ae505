-- The schema the last code before Alembic (commit f744393) made in an empty postgres store:
-- every CREATE statement its ensure_schema issued, in order (scripts/freeze_schema_ddl.py).
-- Frozen: tests/test_migrations.py builds pre-Alembic stores from it. Do not regenerate.

CREATE TABLE regions (
	code VARCHAR(12) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	level VARCHAR(12) NOT NULL, 
	parent_code VARCHAR(12), 
	is_official BOOLEAN NOT NULL, 
	reports BOOLEAN NOT NULL, 
	PRIMARY KEY (code)
);

CREATE TABLE indicators (
	code VARCHAR(64) NOT NULL, 
	name_zh VARCHAR(64) NOT NULL, 
	name_en VARCHAR(128) NOT NULL, 
	unit VARCHAR(16) NOT NULL, 
	kind VARCHAR(8) NOT NULL, 
	numerator VARCHAR(64), 
	denominator VARCHAR(64), 
	better VARCHAR(8) NOT NULL, 
	group_code VARCHAR(32) NOT NULL, 
	decimals INTEGER NOT NULL, 
	definition_zh TEXT, 
	definition_en TEXT, 
	PRIMARY KEY (code)
);

CREATE SEQUENCE batches_id_seq;

CREATE TABLE batches (
	id INTEGER NOT NULL, 
	file_name VARCHAR(255) NOT NULL, 
	sheet VARCHAR(255), 
	sha256 VARCHAR(64) NOT NULL, 
	source_type VARCHAR(16) NOT NULL, 
	uploaded_by VARCHAR(64) NOT NULL, 
	uploaded_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	period_label VARCHAR(64), 
	context_code VARCHAR(12), 
	facts_written INTEGER NOT NULL, 
	facts_superseded INTEGER NOT NULL, 
	facts_unchanged INTEGER NOT NULL, 
	warnings_json TEXT, 
	note TEXT, 
	is_demo BOOLEAN NOT NULL, 
	rolled_back_at TIMESTAMP WITHOUT TIME ZONE, 
	rolled_back_by VARCHAR(64), 
	rollback_reason TEXT, 
	PRIMARY KEY (id)
);

CREATE SEQUENCE facts_id_seq;

CREATE TABLE facts (
	id BIGINT NOT NULL, 
	region_code VARCHAR(12) NOT NULL, 
	period_start DATE NOT NULL, 
	period_end DATE NOT NULL, 
	period_months SMALLINT NOT NULL, 
	indicator_code VARCHAR(64) NOT NULL, 
	value DOUBLE PRECISION, 
	is_approximate BOOLEAN NOT NULL, 
	is_reported_rate BOOLEAN NOT NULL, 
	is_not_reported BOOLEAN NOT NULL, 
	batch_id INTEGER NOT NULL, 
	is_current BOOLEAN NOT NULL, 
	superseded_by INTEGER, 
	source_ref VARCHAR(128), 
	PRIMARY KEY (id)
);

CREATE INDEX ix_facts_batch ON facts (batch_id);

CREATE INDEX ix_facts_indicator_period ON facts (indicator_code, period_start);

CREATE INDEX ix_facts_region ON facts (region_code);

CREATE SEQUENCE audit_log_id_seq;

CREATE TABLE audit_log (
	id INTEGER NOT NULL, 
	at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	actor VARCHAR(64) NOT NULL, 
	action VARCHAR(32) NOT NULL, 
	target VARCHAR(255), 
	detail TEXT, 
	PRIMARY KEY (id)
);

CREATE TABLE range_grains (
	y SMALLINT NOT NULL, 
	f SMALLINT NOT NULL, 
	m SMALLINT NOT NULL, 
	r INTEGER NOT NULL, 
	region_code VARCHAR(12) NOT NULL, 
	indicator_code VARCHAR(64) NOT NULL, 
	is_stock BOOLEAN NOT NULL, 
	grain SMALLINT NOT NULL, 
	batch_ids INTEGER[] NOT NULL, 
	n INTEGER NOT NULL, 
	value DOUBLE PRECISION, 
	approx BOOLEAN NOT NULL, 
	rate BOOLEAN NOT NULL, 
	as_of DATE NOT NULL
);

CREATE INDEX ix_range_grains ON range_grains (y, f, m, indicator_code);

CREATE TABLE summary_dirty (
	y SMALLINT NOT NULL, 
	indicator_code VARCHAR(64), 
	region_code VARCHAR(12)
);

CREATE TABLE users (
	username VARCHAR(64) NOT NULL, 
	display_name VARCHAR(64) NOT NULL, 
	password_hash TEXT NOT NULL, 
	role VARCHAR(16) NOT NULL, 
	regions TEXT NOT NULL, 
	active BOOLEAN NOT NULL, 
	created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	created_by VARCHAR(64) NOT NULL, 
	updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	last_login_at TIMESTAMP WITHOUT TIME ZONE, 
	PRIMARY KEY (username)
);

CREATE TABLE login_attempts (
	username VARCHAR(64) NOT NULL, 
	failures INTEGER NOT NULL, 
	first_failure_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	locked_until TIMESTAMP WITHOUT TIME ZONE, 
	PRIMARY KEY (username)
);

CREATE SEQUENCE header_spellings_id_seq;

CREATE TABLE header_spellings (
	id INTEGER NOT NULL, 
	spelling VARCHAR(255) NOT NULL, 
	indicator_code VARCHAR(64) NOT NULL, 
	created_by VARCHAR(64) NOT NULL, 
	created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	active BOOLEAN NOT NULL, 
	revoked_by VARCHAR(64), 
	revoked_at TIMESTAMP WITHOUT TIME ZONE, 
	PRIMARY KEY (id)
);

CREATE SEQUENCE targets_id_seq;

CREATE TABLE targets (
	id INTEGER NOT NULL, 
	region_code VARCHAR(12) NOT NULL, 
	indicator_code VARCHAR(64) NOT NULL, 
	year INTEGER NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	value DOUBLE PRECISION NOT NULL, 
	per_code VARCHAR(64), 
	note TEXT, 
	version INTEGER NOT NULL, 
	updated_by VARCHAR(64) NOT NULL, 
	updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_targets_cell UNIQUE (region_code, indicator_code, year)
);

CREATE SEQUENCE target_history_id_seq;

CREATE TABLE target_history (
	id INTEGER NOT NULL, 
	region_code VARCHAR(12) NOT NULL, 
	indicator_code VARCHAR(64) NOT NULL, 
	year INTEGER NOT NULL, 
	version INTEGER NOT NULL, 
	action VARCHAR(16) NOT NULL, 
	old_kind VARCHAR(16), 
	old_value DOUBLE PRECISION, 
	old_per_code VARCHAR(64), 
	new_kind VARCHAR(16), 
	new_value DOUBLE PRECISION, 
	new_per_code VARCHAR(64), 
	actor VARCHAR(64) NOT NULL, 
	at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	source VARCHAR(255), 
	reason TEXT, 
	PRIMARY KEY (id)
);

CREATE SEQUENCE target_reopenings_id_seq;

CREATE TABLE target_reopenings (
	id INTEGER NOT NULL, 
	region_code VARCHAR(12) NOT NULL, 
	year INTEGER NOT NULL, 
	reopened_by VARCHAR(64) NOT NULL, 
	reopened_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	reason TEXT NOT NULL, 
	relocked_by VARCHAR(64), 
	relocked_at TIMESTAMP WITHOUT TIME ZONE, 
	PRIMARY KEY (id)
);

CREATE SEQUENCE target_settlements_id_seq;

CREATE TABLE target_settlements (
	id INTEGER NOT NULL, 
	region_code VARCHAR(12) NOT NULL, 
	year INTEGER NOT NULL, 
	settled_by VARCHAR(64) NOT NULL, 
	settled_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	note TEXT, 
	PRIMARY KEY (id)
);

CREATE TABLE settled_results (
	settlement_id INTEGER NOT NULL, 
	region_code VARCHAR(12) NOT NULL, 
	indicator_code VARCHAR(64) NOT NULL, 
	year INTEGER NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	target_value DOUBLE PRECISION NOT NULL, 
	per_code VARCHAR(64), 
	actual DOUBLE PRECISION, 
	completion DOUBLE PRECISION, 
	growth DOUBLE PRECISION, 
	gap_pp DOUBLE PRECISION, 
	shortfall DOUBLE PRECISION, 
	status VARCHAR(16) NOT NULL, 
	detail TEXT, 
	CONSTRAINT pk_settled_results PRIMARY KEY (region_code, indicator_code, year)
);

CREATE SEQUENCE report_generations_id_seq;

CREATE TABLE report_generations (
	id INTEGER NOT NULL, 
	region_code VARCHAR(12) NOT NULL, 
	period_label VARCHAR(64) NOT NULL, 
	generated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	generated_by VARCHAR(64) NOT NULL, 
	data_version VARCHAR(64), 
	data_as_of TIMESTAMP WITHOUT TIME ZONE, 
	is_demo BOOLEAN NOT NULL, 
	sentence_count INTEGER NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE report_sentences (
	generation_id INTEGER NOT NULL, 
	seq INTEGER NOT NULL, 
	sentence_key VARCHAR(128) NOT NULL, 
	section VARCHAR(32) NOT NULL, 
	text TEXT NOT NULL, 
	batch_ids TEXT, 
	PRIMARY KEY (generation_id, seq)
);

CREATE TABLE meta (
	key VARCHAR(64) NOT NULL, 
	value TEXT, 
	PRIMARY KEY (key)
);

CREATE VIEW v_facts AS
SELECT f.region_code,
       r.name AS region_name,
       r.level AS region_level,
       r.parent_code,
       f.period_start,
       f.period_end,
       f.indicator_code,
       f.value,
       f.is_approximate,
       f.batch_id
FROM facts f
JOIN regions r ON r.code = f.region_code
WHERE f.is_current;

