-- 001_init.sql - the crm-tools schema: customers and their vehicles, the
-- bookable calendar (services, resources, hours, holidays, appointments),
-- repair orders, staff follow-ups (messages, callbacks, leads, tasks) and the
-- call record (calls, turns, tool-call audit).  Applied once by crm-tools at
-- start inside a transaction and recorded in schema_migrations.

CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;

-- local wall-clock text in the session time zone (crm-tools sets it to
-- business.timezone on connect)
CREATE FUNCTION fd_local(t timestamptz) RETURNS text
    LANGUAGE sql STABLE AS $$ SELECT to_char(t, 'YYYY-MM-DD"T"HH24:MI:SS') $$;

CREATE TABLE customers (
    id              bigserial PRIMARY KEY,
    phone           text NOT NULL UNIQUE CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    first_name      text NOT NULL DEFAULT '',
    last_name       text NOT NULL DEFAULT '',
    email           text,
    consent_sms     boolean NOT NULL DEFAULT false,
    consent_calls   boolean NOT NULL DEFAULT true,
    consent_marketing boolean NOT NULL DEFAULT false,
    notes           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customers_name_trgm ON customers
    USING gin ((first_name || ' ' || last_name) gin_trgm_ops);
CREATE INDEX customers_last_trgm ON customers USING gin (last_name gin_trgm_ops);

CREATE TABLE vehicles (
    id              bigserial PRIMARY KEY,
    customer_id     bigint NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    vin             text UNIQUE CHECK (vin ~ '^[A-HJ-NPR-Z0-9]{17}$'),
    make            text,
    model           text,
    year            int CHECK (year BETWEEN 1900 AND 2100),
    plate           text,
    color           text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX vehicles_customer ON vehicles (customer_id);

CREATE TABLE services (
    id              serial PRIMARY KEY,
    name            text NOT NULL UNIQUE,
    duration_min    int NOT NULL CHECK (duration_min > 0),
    price_cents     int NOT NULL DEFAULT 0,
    resource_kind   text NOT NULL DEFAULT 'bay',   -- what one booking occupies
    active          boolean NOT NULL DEFAULT true
);

CREATE TABLE resources (
    id              serial PRIMARY KEY,
    name            text NOT NULL UNIQUE,
    kind            text NOT NULL DEFAULT 'bay' CHECK (kind IN ('bay', 'staff')),
    active          boolean NOT NULL DEFAULT true
);

CREATE TABLE business_hours (
    dow             int PRIMARY KEY CHECK (dow BETWEEN 0 AND 6),  -- 0 = Sunday
    open_min        int,            -- minutes after midnight; NULL = closed
    close_min       int
);

CREATE TABLE holidays (
    day             date PRIMARY KEY,
    name            text
);

CREATE TABLE calls (
    call_sid        text PRIMARY KEY,
    from_number     text,
    to_number       text,
    direction       text NOT NULL DEFAULT 'inbound',
    stream_sid      text,
    started_at      timestamptz NOT NULL DEFAULT now(),
    ended_at        timestamptz,
    end_reason      text,
    outcome         text,
    notes           text,
    caller_customer_id   bigint REFERENCES customers(id),  -- caller ID matched
    verified_customer_id bigint REFERENCES customers(id),  -- verify_caller
    verify_failures int NOT NULL DEFAULT 0
);
CREATE INDEX calls_started ON calls (started_at DESC);

CREATE TABLE appointments (
    id              bigserial PRIMARY KEY,
    customer_id     bigint NOT NULL REFERENCES customers(id),
    vehicle_id      bigint REFERENCES vehicles(id),
    service_id      int NOT NULL REFERENCES services(id),
    resource_id     int NOT NULL REFERENCES resources(id),
    during          tstzrange NOT NULL CHECK (NOT isempty(during)),
    status          text NOT NULL DEFAULT 'booked'
                    CHECK (status IN ('booked', 'confirmed', 'cancelled', 'completed', 'no_show')),
    source_call_sid text,
    idempotency_key text UNIQUE,
    confirmation    text NOT NULL UNIQUE,
    notes           text,
    cancel_reason   text,
    external_calendar text,          -- e.g. "google:<calendarId>"
    external_event_id text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    -- a bay can never hold two active bookings at once
    CONSTRAINT appointments_no_overlap EXCLUDE USING gist
        (resource_id WITH =, during WITH &&) WHERE (status IN ('booked', 'confirmed'))
);
CREATE INDEX appointments_customer ON appointments (customer_id, lower(during));

-- repair-order stages and what cancelling in each stage refunds of the deposit
CREATE TABLE order_stages (
    stage           text PRIMARY KEY,
    seq             int NOT NULL,
    label           text NOT NULL,   -- how to say it to a caller
    cancellable     boolean NOT NULL,
    refund_pct      int NOT NULL CHECK (refund_pct BETWEEN 0 AND 100)
);
INSERT INTO order_stages VALUES
    ('received',       1, 'checked in and waiting for a technician', true, 100),
    ('diagnosing',     2, 'being diagnosed',                         true, 100),
    ('awaiting_parts', 3, 'waiting for parts',                       true, 50),
    ('in_repair',      4, 'being repaired',                          false, 0),
    ('quality_check',  5, 'in the final quality check',              false, 0),
    ('ready',          6, 'ready for pickup',                        false, 0),
    ('completed',      7, 'picked up',                               false, 0),
    ('cancelled',      8, 'cancelled',                               false, 0);

CREATE TABLE orders (
    id              bigserial PRIMARY KEY,
    number          text NOT NULL UNIQUE,            -- "RO-1001"
    customer_id     bigint NOT NULL REFERENCES customers(id),
    vehicle_id      bigint REFERENCES vehicles(id),
    appointment_id  bigint REFERENCES appointments(id),
    description     text NOT NULL DEFAULT '',
    stage           text NOT NULL REFERENCES order_stages(stage),
    expected_ready  timestamptz,
    price_cents     int NOT NULL DEFAULT 0,
    deposit_cents   int NOT NULL DEFAULT 0,
    refund_cents    int,
    cancelled_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_customer ON orders (customer_id, created_at DESC);

CREATE TABLE leads (
    id              bigserial PRIMARY KEY,
    call_sid        text,
    customer_id     bigint REFERENCES customers(id),
    name            text NOT NULL,
    contact         text NOT NULL,
    need            text NOT NULL,
    timeline        text,
    urgency         text NOT NULL DEFAULT 'normal',
    score           text NOT NULL,                 -- hot | warm | cold
    idem_key        text UNIQUE,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE messages (
    id              bigserial PRIMARY KEY,
    call_sid        text,
    customer_id     bigint REFERENCES customers(id),
    name            text NOT NULL,
    callback_number text,
    body            text NOT NULL,
    urgency         text NOT NULL DEFAULT 'normal' CHECK (urgency IN ('low', 'normal', 'high')),
    status          text NOT NULL DEFAULT 'new',
    idem_key        text UNIQUE,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE callbacks (
    id              bigserial PRIMARY KEY,
    call_sid        text,
    customer_id     bigint REFERENCES customers(id),
    phone           text NOT NULL,
    when_text       text,
    due_at          timestamptz,
    reason          text NOT NULL DEFAULT '',
    status          text NOT NULL DEFAULT 'open',
    idem_key        text UNIQUE,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- staff to-dos crm-tools raises itself (a spooled booking that no longer fits..)
CREATE TABLE tasks (
    id              bigserial PRIMARY KEY,
    call_sid        text,
    kind            text NOT NULL,
    body            text NOT NULL,
    status          text NOT NULL DEFAULT 'open',
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE call_turns (
    id              bigserial PRIMARY KEY,
    call_sid        text NOT NULL REFERENCES calls(call_sid) ON DELETE CASCADE,
    role            text NOT NULL CHECK (role IN ('caller', 'agent', 'system')),
    text            text NOT NULL,
    heard           boolean NOT NULL DEFAULT true,
    at              timestamptz NOT NULL DEFAULT now(),
    idem_key        text UNIQUE
);
CREATE INDEX call_turns_call ON call_turns (call_sid, id);

CREATE TABLE tool_calls (
    id              bigserial PRIMARY KEY,
    call_sid        text,
    tool            text NOT NULL,
    args            jsonb,
    result          jsonb,
    ok              boolean NOT NULL,
    code            text,
    latency_us      bigint NOT NULL,
    at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tool_calls_call ON tool_calls (call_sid, id);
