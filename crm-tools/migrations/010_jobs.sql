-- 010_jobs.sql - outbound work: reminder calls, callbacks, lead follow-ups
-- and confirmation texts, as jobs the scheduler claims and the gateway
-- places.  Appointments keep their reminder and confirmation jobs by
-- trigger (every path that books, moves or cancels: the group commit, the
-- single way, a spool replay, staff in the database); messages, callbacks
-- and leads get theirs from the tools that write them (tool_jobs.c), which
-- know the call's clock.  Claiming, results and cancelling are functions
-- here so each is one atomic statement.

-- what crm-tools copies from the `outbound` config section at start
CREATE TABLE outbound_settings (
    id              int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    reminder_lead   interval NOT NULL DEFAULT '24 hours',
    sms_enabled     boolean NOT NULL DEFAULT false,
    next_call_at    timestamptz NOT NULL DEFAULT '-infinity'  -- call pacing
);
INSERT INTO outbound_settings DEFAULT VALUES;

CREATE TABLE jobs (
    id              bigserial PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('reminder', 'callback',
                        'lead_followup', 'confirmation_sms')),
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN
                        ('pending', 'claimed', 'dialing', 'done',
                         'cancelled', 'expired', 'failed')),
    due_at          timestamptz NOT NULL,
    expires_at      timestamptz,            -- not placed from then on
    customer_id     bigint REFERENCES customers(id),
    phone           text,                   -- when no customer has one
    appointment_id  bigint REFERENCES appointments(id),
    message_id      bigint REFERENCES messages(id),
    callback_id     bigint REFERENCES callbacks(id),
    lead_id         bigint REFERENCES leads(id),
    event           text,                   -- confirmation_sms: booked | moved | cancelled
    detail          text,                   -- what to call about (message, reason, need)
    attempt         int NOT NULL DEFAULT 0, -- the current attempt, 1..
    claims          int NOT NULL DEFAULT 0, -- claims of this attempt (lease expiries + 1)
    claimed_by      text,
    lease_until     timestamptz,
    dial_at         timestamptz,            -- the claim's place in the call pacing
    call_sid        text,
    outcome         text,                   -- the last attempt's, final when status is final
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);
CREATE INDEX jobs_due ON jobs (due_at) WHERE status = 'pending';
CREATE INDEX jobs_leased ON jobs (lease_until) WHERE status IN ('claimed', 'dialing');
CREATE INDEX jobs_appointment ON jobs (appointment_id) WHERE appointment_id IS NOT NULL;
-- one live reminder per appointment
CREATE UNIQUE INDEX jobs_one_reminder ON jobs (appointment_id)
    WHERE kind = 'reminder' AND status IN ('pending', 'claimed', 'dialing');

-- every attempt: who claimed it, the carrier's call, how it ended.  Its
-- outcome is written once (job_result is idempotent per attempt).
CREATE TABLE job_attempts (
    job_id          bigint NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    attempt         int NOT NULL,
    claimed_by      text,
    claimed_at      timestamptz NOT NULL DEFAULT now(),
    call_sid        text,
    dialed_at       timestamptz,
    outcome         text,
    detail          text,
    finished_at     timestamptz,
    PRIMARY KEY (job_id, attempt)
);

-- Reminder and confirmation text of an appointment, kept as it changes.
CREATE FUNCTION fd_jobs_appointment() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s outbound_settings;
    ph text;
    sms boolean;
    ev text;
    n int;
BEGIN
    SELECT * INTO s FROM outbound_settings WHERE id = 1;
    SELECT cu.phone, cu.consent_sms INTO ph, sms FROM customers cu
     WHERE cu.id = NEW.customer_id;
    IF TG_OP = 'INSERT' THEN
        IF NEW.status NOT IN ('booked', 'confirmed') THEN
            RETURN NULL;
        END IF;
        ev := 'booked';
    ELSIF NEW.status = 'cancelled' AND OLD.status <> 'cancelled' THEN
        UPDATE jobs SET status = 'cancelled', outcome = 'appointment_cancelled',
               finished_at = now(), updated_at = now()
         WHERE appointment_id = NEW.id AND kind = 'reminder'
           AND status IN ('pending', 'claimed');
        ev := 'cancelled';
    ELSIF NEW.during <> OLD.during AND NEW.status IN ('booked', 'confirmed') THEN
        ev := 'moved';
        -- a moved appointment is reminded of at its new time
        UPDATE jobs SET due_at = lower(NEW.during) - s.reminder_lead,
               expires_at = lower(NEW.during), updated_at = now()
         WHERE appointment_id = NEW.id AND kind = 'reminder'
           AND status = 'pending' AND lower(NEW.during) - s.reminder_lead > now();
        GET DIAGNOSTICS n = ROW_COUNT;
        IF n > 0 THEN
            ev := 'moved';
        ELSE
            UPDATE jobs SET status = 'cancelled', outcome = 'appointment_moved',
                   finished_at = now(), updated_at = now()
             WHERE appointment_id = NEW.id AND kind = 'reminder'
               AND status IN ('pending', 'claimed');
        END IF;
    ELSE
        RETURN NULL;
    END IF;
    -- booked or moved: a reminder when there is time for one (an
    -- appointment booked inside the lead time has just been confirmed)
    IF ev IN ('booked', 'moved') AND lower(NEW.during) - s.reminder_lead > now()
       AND NOT EXISTS (SELECT 1 FROM jobs WHERE appointment_id = NEW.id
                        AND kind = 'reminder'
                        AND status IN ('pending', 'claimed', 'dialing')) THEN
        INSERT INTO jobs (kind, due_at, expires_at, customer_id, appointment_id)
        VALUES ('reminder', lower(NEW.during) - s.reminder_lead,
                lower(NEW.during), NEW.customer_id, NEW.id);
    END IF;
    IF s.sms_enabled AND coalesce(sms, false) AND ph IS NOT NULL THEN
        INSERT INTO jobs (kind, due_at, expires_at, customer_id, appointment_id, event)
        VALUES ('confirmation_sms', now(), now() + interval '1 day',
                NEW.customer_id, NEW.id, ev);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER appointments_jobs AFTER INSERT OR UPDATE OF status, during
    ON appointments FOR EACH ROW EXECUTE FUNCTION fd_jobs_appointment();

-- A job as the scheduler, the agent and the record see it.
CREATE FUNCTION fd_job_json(j jobs) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'job_id', j.id, 'kind', j.kind, 'status', j.status,
        'attempt', j.attempt, 'claims', j.claims,
        'idempotency_key', 'job-' || j.id || '-' || j.attempt,
        'due_at', fd_local(j.due_at), 'expires_at', fd_local(j.expires_at),
        'to', coalesce(cu.phone, j.phone), 'customer_id', j.customer_id,
        'first_name', nullif(cu.first_name, ''),
        'appointment_id', j.appointment_id, 'service', s.name,
        'start', fd_local(lower(a.during)), 'confirmation', a.confirmation,
        'appointment_status', a.status,
        'message_id', j.message_id, 'callback_id', j.callback_id,
        'lead_id', j.lead_id, 'event', j.event, 'detail', j.detail,
        'claimed_by', j.claimed_by, 'lease_until', fd_local(j.lease_until),
        'dial_at', fd_local(j.dial_at), 'call_sid', j.call_sid,
        'outcome', j.outcome, 'last_error', j.last_error,
        'finished_at', fd_local(j.finished_at))
      FROM (SELECT 1) one
      LEFT JOIN customers cu ON cu.id = j.customer_id
      LEFT JOIN appointments a ON a.id = j.appointment_id
      LEFT JOIN services s ON s.id = a.service_id
$$;

-- Claim up to lim due jobs for owner at instant t: calls only when
-- calls_ok (the calling window), at most cap calls in flight, each call
-- given a dial slot interval_ms after the previous one of any claimer.
-- Claims are serialised (one advisory lock) so the cap and the pacing
-- hold across schedulers; rows are taken FOR UPDATE SKIP LOCKED so a
-- claim never waits for a job being cancelled or reported.  A job whose
-- lease ran out is claimed again with the same attempt (its idempotency
-- key unchanged: if the first claimer did send it, the carrier request is
-- refused as a repeat), until max_claims claims of one attempt fail it.
CREATE FUNCTION fd_jobs_claim(t timestamptz, owner text, lim int, lease_s int,
    calls_ok boolean, cap int, interval_ms int, max_claims int)
RETURNS SETOF json LANGUAGE plpgsql AS $$
DECLARE
    inflight int;
    slot timestamptz;
    r jobs;
BEGIN
    PERFORM pg_advisory_xact_lock(7726010);
    UPDATE jobs SET status = 'expired', outcome = coalesce(outcome, 'expired'),
           finished_at = now(), updated_at = now()
     WHERE status = 'pending' AND expires_at <= t;
    UPDATE jobs SET status = 'failed', outcome = 'failed', finished_at = now(),
           last_error = 'no result after ' || claims || ' claims',
           updated_at = now()
     WHERE status IN ('claimed', 'dialing') AND lease_until <= t
       AND claims >= max_claims;
    -- consent is read when the job is due: it may have been withdrawn
    UPDATE jobs j SET status = 'cancelled', outcome = 'no_consent',
           finished_at = now(), updated_at = now()
      FROM customers cu
     WHERE cu.id = j.customer_id AND j.status = 'pending' AND j.due_at <= t
       AND ((j.kind IN ('reminder', 'lead_followup') AND NOT cu.consent_calls)
         OR (j.kind = 'confirmation_sms' AND NOT cu.consent_sms));
    UPDATE jobs j SET status = 'cancelled', outcome = 'no_phone',
           finished_at = now(), updated_at = now()
      FROM (SELECT jj.id FROM jobs jj LEFT JOIN customers cu ON cu.id = jj.customer_id
             WHERE jj.status = 'pending' AND jj.due_at <= t
               AND coalesce(cu.phone, jj.phone) IS NULL) np
     WHERE j.id = np.id;
    SELECT count(*) INTO inflight FROM jobs
     WHERE kind <> 'confirmation_sms' AND status IN ('claimed', 'dialing')
       AND lease_until > t;
    SELECT greatest(next_call_at, t) INTO slot FROM outbound_settings WHERE id = 1;
    FOR r IN
        SELECT * FROM jobs
         WHERE kind <> 'confirmation_sms' AND calls_ok
           AND ((status = 'pending' AND due_at <= t)
             OR (status IN ('claimed', 'dialing') AND lease_until <= t))
         ORDER BY due_at, id
         LIMIT greatest(least(lim, cap - inflight), 0)
         FOR UPDATE SKIP LOCKED
    LOOP
        UPDATE jobs SET
               attempt = CASE WHEN r.status = 'pending' THEN r.attempt + 1 ELSE r.attempt END,
               claims = CASE WHEN r.status = 'pending' THEN 1 ELSE r.claims + 1 END,
               status = 'claimed', claimed_by = owner, dial_at = slot,
               lease_until = slot + make_interval(secs => lease_s),
               updated_at = now()
         WHERE id = r.id RETURNING * INTO r;
        INSERT INTO job_attempts (job_id, attempt, claimed_by)
        VALUES (r.id, r.attempt, owner)
        ON CONFLICT (job_id, attempt) DO UPDATE SET claimed_by = owner,
               claimed_at = now();
        RETURN NEXT fd_job_json(r);
        slot := slot + make_interval(secs => interval_ms / 1000.0);
    END LOOP;
    UPDATE outbound_settings SET next_call_at = slot WHERE id = 1 AND slot > next_call_at;
    FOR r IN
        SELECT * FROM jobs
         WHERE kind = 'confirmation_sms'
           AND ((status = 'pending' AND due_at <= t)
             OR (status IN ('claimed', 'dialing') AND lease_until <= t))
         ORDER BY due_at, id LIMIT lim
         FOR UPDATE SKIP LOCKED
    LOOP
        UPDATE jobs SET
               attempt = CASE WHEN r.status = 'pending' THEN r.attempt + 1 ELSE r.attempt END,
               claims = CASE WHEN r.status = 'pending' THEN 1 ELSE r.claims + 1 END,
               status = 'claimed', claimed_by = owner, dial_at = t,
               lease_until = t + make_interval(secs => lease_s), updated_at = now()
         WHERE id = r.id RETURNING * INTO r;
        INSERT INTO job_attempts (job_id, attempt, claimed_by)
        VALUES (r.id, r.attempt, owner)
        ON CONFLICT (job_id, attempt) DO UPDATE SET claimed_by = owner,
               claimed_at = now();
        RETURN NEXT fd_job_json(r);
    END LOOP;
END $$;

-- The carrier took attempt att of job id (call sid): the call may now ring
-- for up to timeout_s before its lease runs out.  Repeats change nothing.
CREATE FUNCTION fd_job_dialed(jid bigint, att int, sid text, t timestamptz,
    timeout_s int) RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    j jobs;
BEGIN
    UPDATE job_attempts SET call_sid = coalesce(sid, call_sid),
           dialed_at = coalesce(dialed_at, now())
     WHERE job_id = jid AND attempt = att;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    UPDATE jobs SET status = 'dialing', call_sid = coalesce(sid, call_sid),
           lease_until = greatest(lease_until, t + make_interval(secs => timeout_s)),
           updated_at = now()
     WHERE id = jid AND attempt = att AND status IN ('claimed', 'dialing');
    SELECT * INTO j FROM jobs WHERE id = jid;
    RETURN fd_job_json(j);
END $$;

-- How attempt att of job id ended.  Written once per attempt (a repeat
-- returns the job with duplicate true), except that a call the carrier
-- only saw answered takes the outcome of the conversation when that comes
-- later.  busy and no_answer before max_attempts make the job pending
-- again after backoff_s[attempt] seconds (the last entry repeats); any
-- other outcome, or the last attempt, is final.  A reminder answered and
-- confirmed confirms its appointment.
CREATE FUNCTION fd_job_result(jid bigint, att int, outc text, sid text,
    det text, t timestamptz, max_attempts int, backoff_s int[])
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    j jobs;
    a job_attempts;
    upgrade boolean;
    wait int;
BEGIN
    SELECT * INTO j FROM jobs WHERE id = jid FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    SELECT * INTO a FROM job_attempts WHERE job_id = jid AND attempt = att
       FOR UPDATE;
    IF NOT FOUND THEN
        RETURN json_build_object('error', 'no_attempt');
    END IF;
    upgrade := a.outcome = 'answered' AND outc NOT IN ('answered', 'busy',
        'no_answer', 'failed');
    IF a.outcome IS NOT NULL AND NOT upgrade THEN
        RETURN json_build_object('job', fd_job_json(j), 'duplicate', true);
    END IF;
    UPDATE job_attempts SET outcome = outc, detail = det,
           call_sid = coalesce(sid, call_sid), finished_at = now()
     WHERE job_id = jid AND attempt = att;
    IF att <> j.attempt OR NOT (j.status IN ('claimed', 'dialing')
       OR (upgrade AND j.status = 'done')) THEN
        -- an old attempt, or a job cancelled meanwhile: history only
        RETURN json_build_object('job', fd_job_json(j), 'duplicate', false,
            'recorded_only', true);
    END IF;
    IF outc IN ('busy', 'no_answer') AND att < max_attempts THEN
        wait := coalesce(backoff_s[least(att, array_length(backoff_s, 1))], 600);
        UPDATE jobs SET status = 'pending', outcome = outc,
               due_at = t + make_interval(secs => wait), claimed_by = NULL,
               lease_until = NULL, dial_at = NULL,
               call_sid = coalesce(sid, call_sid), updated_at = now()
         WHERE id = jid RETURNING * INTO j;
    ELSE
        UPDATE jobs SET status = CASE WHEN outc = 'failed' THEN 'failed'
                                 ELSE 'done' END,
               outcome = outc, lease_until = NULL,
               last_error = CASE WHEN outc = 'failed' THEN det ELSE last_error END,
               call_sid = coalesce(sid, call_sid), finished_at = now(),
               updated_at = now()
         WHERE id = jid RETURNING * INTO j;
        IF j.kind = 'reminder' AND outc = 'confirmed' THEN
            UPDATE appointments SET status = 'confirmed', updated_at = now()
             WHERE id = j.appointment_id AND status = 'booked';
        END IF;
    END IF;
    RETURN json_build_object('job', fd_job_json(j), 'duplicate', false);
END $$;
