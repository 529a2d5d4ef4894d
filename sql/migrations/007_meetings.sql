-- Schema version 7: the meeting archive (« Séances »).
--
-- A meeting freezes what a committee was shown (relog_data/meetings.py): its
-- figures for the scope (total and per operation), its points of attention,
-- the state of every household of the scope at the situation date (to tell,
-- later, new events from corrections of the past), the PDF pack and its Excel
-- annex with their SHA-256, the import that was current and who created it.
-- These rows are only ever inserted: a meeting is never modified. It can be
-- withdrawn (meeting_withdrawals, with a reason; audited), not edited.
CREATE SEQUENCE meeting_ids START 1;
CREATE TABLE meetings (
    meeting_id   INTEGER PRIMARY KEY DEFAULT nextval('meeting_ids'),
    meeting_date DATE NOT NULL,
    title        VARCHAR NOT NULL,
    audience     VARCHAR NOT NULL CHECK (audience IN ('elu', 'partenaire', 'charge')),
    operations   VARCHAR[],          -- NULL: every operation
    phases       INTEGER[],          -- NULL: every phase
    as_of        DATE NOT NULL,      -- the situation date of the figures
    previous_id  INTEGER,            -- the meeting it was compared with
    import_id    INTEGER,            -- the last import_log row at creation (NULL: none)
    created_by   VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    pdf          BLOB,
    pdf_sha256   VARCHAR,
    annex        BLOB,
    annex_sha256 VARCHAR,
    note         VARCHAR             -- why there is no PDF, when there is none
);
-- unit: '*' for the whole scope, else an operation code; value NULL: hidden
-- (elected officials' release) or undefined.
CREATE TABLE meeting_figures (
    meeting_id INTEGER NOT NULL,
    unit       VARCHAR NOT NULL,
    figure     VARCHAR NOT NULL,
    value      DOUBLE,
    PRIMARY KEY (meeting_id, unit, figure)
);
CREATE TABLE meeting_points (
    meeting_id INTEGER NOT NULL,
    rank       INTEGER NOT NULL,
    kind       VARCHAR NOT NULL,
    text       VARCHAR NOT NULL,
    PRIMARY KEY (meeting_id, rank)
);
CREATE TABLE meeting_states (
    meeting_id   INTEGER NOT NULL,
    household_id VARCHAR NOT NULL,
    state        VARCHAR,
    PRIMARY KEY (meeting_id, household_id)
);
CREATE TABLE meeting_withdrawals (
    meeting_id   INTEGER PRIMARY KEY,
    withdrawn_at TIMESTAMP NOT NULL,
    withdrawn_by VARCHAR NOT NULL,
    reason       VARCHAR NOT NULL
);
