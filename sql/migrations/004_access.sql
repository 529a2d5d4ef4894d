-- Schema version 4: local accounts and the audit log.
--
-- Passwords are stored as argon2id hashes only (relog_data/accounts.py).
-- The audit log is append-only: relog_data/audit.py only ever inserts into it,
-- and no command of relog updates or deletes its rows.
CREATE TABLE users (
    login           VARCHAR PRIMARY KEY,
    display_name    VARCHAR,
    role            VARCHAR NOT NULL CHECK (role IN ('admin', 'charge', 'partenaire', 'elu')),
    operations      VARCHAR[],          -- NULL: every operation
    password_hash   VARCHAR NOT NULL,
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until    TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);

CREATE SEQUENCE audit_seq START 1;
CREATE TABLE audit_log (
    entry_id BIGINT PRIMARY KEY DEFAULT nextval('audit_seq'),
    logged_at TIMESTAMP NOT NULL,
    login    VARCHAR,                   -- who (an account, or "cli:<system user>")
    role     VARCHAR,
    action   VARCHAR NOT NULL,          -- connexion, échec de connexion, import, export, ...
    detail   VARCHAR                    -- what
);

-- Operations whose personal data were erased (python -m relog_data purge).
CREATE TABLE purges (
    operation_code VARCHAR PRIMARY KEY REFERENCES operations (operation_code),
    purged_at      TIMESTAMP NOT NULL,
    closed_before  DATE NOT NULL
);
