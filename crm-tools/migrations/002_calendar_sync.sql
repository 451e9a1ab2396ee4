-- 002_calendar_sync.sql - mirroring appointments into an external calendar
-- (crm.calendar = caldav | google).  PostgreSQL stays the source of truth:
-- a trigger queues every appointment whose time or status changes, and
-- crm-tools pushes the queued ones (at once after a booking, and again from
-- its sync thread with growing waits when the calendar is down).  One queue
-- row per appointment: it describes "make the calendar match the row", so
-- a booking, a reschedule and a cancel made during an outage collapse into
-- one push.

-- the engine in use; written by crm-tools at start, read by the trigger
CREATE TABLE calendar_state (
    id              int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    engine          text NOT NULL DEFAULT 'builtin',
    identity        text NOT NULL DEFAULT 'builtin'
);
INSERT INTO calendar_state DEFAULT VALUES;

-- the event's stable UID (fd-<id>-<confirmation>) and the last ETag seen;
-- external_calendar / external_event_id (001) say where it lives
ALTER TABLE appointments ADD COLUMN external_uid text;
ALTER TABLE appointments ADD COLUMN external_etag text;

CREATE TABLE calendar_sync (
    appointment_id  bigint PRIMARY KEY REFERENCES appointments(id) ON DELETE CASCADE,
    op              text NOT NULL CHECK (op IN ('upsert', 'delete')),
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'done', 'failed')),
    seq             bigint NOT NULL DEFAULT 1,      -- bumped by every change
    attempts        int NOT NULL DEFAULT 0,
    next_try        timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    synced_at       timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX calendar_sync_due ON calendar_sync (next_try) WHERE status = 'pending';

CREATE FUNCTION fd_calendar_enqueue() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT engine FROM calendar_state) = 'builtin' THEN
        RETURN NEW;
    END IF;
    INSERT INTO calendar_sync (appointment_id, op)
    VALUES (NEW.id, CASE WHEN NEW.status IN ('booked', 'confirmed')
                         THEN 'upsert' ELSE 'delete' END)
    ON CONFLICT (appointment_id) DO UPDATE
        SET op = EXCLUDED.op, status = 'pending', seq = calendar_sync.seq + 1,
            attempts = 0, next_try = now(), last_error = NULL,
            updated_at = now();
    RETURN NEW;
END $$;

CREATE TRIGGER appointments_calendar_sync
    AFTER INSERT OR UPDATE OF during, status, resource_id, notes ON appointments
    FOR EACH ROW
    WHEN (pg_trigger_depth() = 0)
    EXECUTE FUNCTION fd_calendar_enqueue();
