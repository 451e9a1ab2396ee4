-- 003_vin_cache.sql - answers of the NHTSA vPIC VIN decoder, so a VIN is
-- looked up online once (crm.vpic.cache_days) and decode_vin stays fast.
CREATE TABLE vin_cache (
    vin             text PRIMARY KEY CHECK (vin ~ '^[A-HJ-NPR-Z0-9]{17}$'),
    make            text NOT NULL DEFAULT '',
    model           text NOT NULL DEFAULT '',
    model_year      int,
    trim            text NOT NULL DEFAULT '',
    body_class      text NOT NULL DEFAULT '',
    error_code      text NOT NULL DEFAULT '',
    error_text      text NOT NULL DEFAULT '',
    fetched_at      timestamptz NOT NULL DEFAULT now()
);
