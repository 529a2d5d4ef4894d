-- Schema version 3: annual allocation capacity per landlord, entered by an
-- administrator (the source weighs its 646 households against 11 % of the
-- landlord's annual allocations outside reserved dwellings).
CREATE TABLE landlord_capacity (
    landlord           VARCHAR PRIMARY KEY,
    annual_allocations INTEGER NOT NULL CHECK (annual_allocations >= 0),
    updated_at         TIMESTAMP NOT NULL
);
