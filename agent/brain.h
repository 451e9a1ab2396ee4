/*
 * brain.h - the contract between the agent core and a brain.
 *
 * The core (agent.c, agent_call.c) owns the call: the bus, the per-call clock,
 * speech tracking, timers and the session state below.  A brain decides
 * what to say and do, and acts only through the core's operations table,
 * so a test can drive a brain with a fake core and canned tool replies,
 * and another brain (an LLM) can replace the local one by config
 * (agent.brain).  What the call has established (who the caller is, the
 * booking being planned, the outcome) lives in struct call_state, not in
 * the brain, so it survives a change of brain and can be logged.
 */
#ifndef AGENT_BRAIN_H
#define AGENT_BRAIN_H

#include <stddef.h>
#include <time.h>
#include <jansson.h>
#include <libconfig.h>

#include "business.h"
#include "proto/proto.h"

#define CALL_MAX_OFFER 6
#define CALL_MAX_VEHICLES 4

struct call_vehicle {
	char id[48];
	char desc[96]; /* "2019 Honda Civic" */
};

#define CALL_MAX_APPTS 4

struct call_appt { /* one of the caller's upcoming */
	char id[24]; /* appointment_id */
	char service[64];
	char start[20]; /* "YYYY-MM-DDTHH:MM" */
	char confirmation[12];
	char vehicle[64];
};

struct call_state {
	char call_id[FD_CALL_ID_LEN];
	char from[40], to[40], direction[16];
	int max_misunderstandings; /* agent.max_misunderstandings */
	long long llm_tokens; /* LLM prompt + completion tokens used
					   (the call's cost) */

	/* who is calling: lookup_customer on the caller id, then the caller */
	int caller_blocked; /* no usable caller id ("anonymous") */
	int customer_known; /* the caller id is a customer */
	int identity_confirmed; /* said yes to "Am I speaking with X?" */
	int caller_denied; /* said no: not the caller-id customer */
	int verified; /* verify_caller matched */
	int identified; /* phone + name only: no 2nd factor */
	int verify_failed; /* verify_caller no-matches so far */
	char verify_phone[24]; /* the account phone the caller gave */
	char customer_id[48];
	char first_name[64], last_name[64];
	struct call_vehicle vehicles[CALL_MAX_VEHICLES];
	int nvehicles;
	int vehicle; /* chosen vehicle + 1, 0 none yet */
	char keyed[24]; /* DTMF digits being keyed */

	/* the task being served (the local brain's enum task) and the one
	 * waiting for verification */
	int task;
	int pending_task;

	/* the booking being planned */
	const struct fd_service *service;
	int have_day;
	time_t day; /* local midnight */
	int have_time;
	int minute; /* minutes after midnight */
	int time_rel; /* enum dt_rel */
	int ampm_given;
	int part; /* enum dt_part */
	int earliest;
	char offered[CALL_MAX_OFFER][20]; /* slots just offered */
	int noffered;
	char chosen[20]; /* slot read back, "YYYY-MM-DDTHH:MM" */
	int bookings; /* made on this call (idempotency keys) */
	char appointment_id[48];
	char confirmation[48];

	/* existing appointments (reschedule, cancel, list) */
	struct call_appt appts[CALL_MAX_APPTS];
	int nappts;
	int appt; /* the one being changed + 1, 0 none */

	/* a repair order (status, cancel) */
	char order[24]; /* "RO-1001" */
	char order_vehicle[64]; /* "2019 Honda Civic" */
	int order_refund_cents;

	/* a message, lead or callback being taken */
	char msg_name[128];
	char msg_number[24]; /* callback number, E.164 or digits */
	char msg_text[512];
	char msg_urgency[8]; /* low, normal, high */
	char lead_need[256];
	char lead_timeline[128];
	char msg_said[512]; /* the caller's words while a message,
					   lead or callback was being taken */

	/* dialogue */
	int asked; /* what the brain last asked (its enum) */
	int misunderstandings; /* in a row */
	int guard_refusals; /* injection / social engineering */
	int last_intent; /* the brain's last topic (enum intent) */
	char last_said[1024]; /* for "say that again" */
	int leaving; /* said goodbye inside an answer: what
					   was agreed is finished, then the call
					   closes instead of "anything else?" */
	int move_checked; /* this booking was checked against
					   the caller's appointments */
	int same_appt; /* one of those of the same service
					   + 1 (read back, "say move"), 0 */
	int yes_checked; /* a weak yes to this read-back was
					   asked again */
	int name_weak; /* the name was heard with low
					   confidence: spelled back or asked */
	int spell_for; /* the ask a spelled name answers */
	int name_spelled; /* the last name was spelled to us */
	char task_words[256]; /* what the caller said asking for the
					   booking kept while they are verified
					   ("for my Accord": vehicles come with
					   the verification) */
	int after_human; /* the ask to go back to when "a
					   person?" is answered no */
	char outcome[32]; /* booked, message, transferred, info.. */
	char outcome_notes[256];

	/* an outbound call: the job that placed it (CALL_START, then
	 * job_get) and what the conversation made of it (job_result when
	 * the call ends, call_job.c) */
	char job_id[24]; /* "" on an inbound call */
	int job_attempt;
	char job_kind[16]; /* reminder, callback, lead_followup */
	char answered_by[24]; /* carrier's AMD: human, machine_..., "" */
	char job_service[64]; /* reminder: the appointment */
	char job_start[20]; /* "YYYY-MM-DDTHH:MM" */
	char job_appt_id[24];
	char job_confirmation[12];
	char job_detail[256]; /* callback/follow-up: what about */
	char job_outcome[16]; /* confirmed, voicemail, wrong_person.. */
	char job_notes[128];
};

/* What a brain can make the core do.  core is the core's opaque handle. */
struct core_ops {
	/* Speak text as one utterance; close: the call ends once it is heard. */
	void (*say)(void *core, const char *text, int close);
	/* Call a crm-tools tool (args stolen) on the call's clock.  Returns the
	 * reply {ok,result} / {ok:false,code,error} (caller decrefs), or NULL
	 * if crm-tools did not answer. */
	json_t *(*tool)(void *core, const char *tool, json_t *args);
	/* Tell the recogniser what comes next: expect is any, date, time,
	 * digits, name, yesno or service; words may be NULL. */
	void (*hint)(void *core, const char *expect, const char *const *words,
	    size_t nwords);
	/* Hang up once what has been said is heard. */
	void (*hangup_after)(void *core, const char *reason);
	/* Transfer the call to a number once what has been said is heard. */
	void (*transfer)(void *core, const char *to, const char *reason);
	/* Record how the call went (log_call_outcome at the end). */
	void (*set_outcome)(void *core, const char *outcome, const char *notes);
	/* The call's local time (pinned in tests and scenarios). */
	time_t (*now)(void *core);
};

struct brain_call {
	const struct core_ops *core;
	void *core_arg;
	const struct fd_business *biz;
	struct call_state st;
	void *priv; /* the brain's own per-call data */
	/* during on_utterance: the recogniser's alternatives and word
	 * confidences (struct fd_pl_transcript's nbest and words, checked),
	 * or NULL when it sent none */
	const json_t *nbest;
	const json_t *words;
};

/* Below this confidence a yes that would book, move or cancel is asked
 * again (both brains). */
#define WEAK_YES_CONFIDENCE 0.15

/* The confidence the recogniser gave word in the utterance being read
 * (its lowest, if said twice), or -1 when it gave none.  brain.c. */
double call_word_confidence(const struct brain_call *c, const char *word);
/* The recognition of the utterance being read, for a model: "" when the
 * recogniser sent nothing beyond the text, else one line naming the
 * confidence, the other hearings and the unsure words. */
void call_recog_note(
    const struct brain_call *c, double conf, char *buf, size_t len);

struct brain_ops {
	const char *name;
	/* Once at start (and reload); cfg is the whole config.  Optional. */
	int (*init)(const config_t *cfg, const struct fd_business *b, char *err,
	    size_t errlen);
	void (*fini)(void);
	/* A call begins: the customer lookup is done; greet. */
	void (*on_start)(struct brain_call *c);
	/* A final transcript. confidence in [0,1]. */
	void (*on_utterance)(
	    struct brain_call *c, const char *text, double confidence);
	void (*on_dtmf)(struct brain_call *c, const char *digit);
	/* The caller has been silent: count is 1, 2, 3 in a row. */
	void (*on_idle)(struct brain_call *c, int count);
	/* What the brain keeps per call beyond call_state (an LLM's
	 * conversation), as JSON for the session store (new reference), or
	 * NULL for nothing.  Called after each turn.  Optional. */
	json_t *(*save)(struct brain_call *c);
	/* A restarted agent takes over a call (call_state restored) in place
	 * of on_start, saying nothing: saved is what save returned before,
	 * or NULL (an older session, or save failed).  Optional. */
	void (*on_resume)(struct brain_call *c, json_t *saved);
	/* The call came back from a transfer nobody took (result: declined,
	 * no-answer, busy, failed, canceled), on a new stream, after
	 * on_resume: say so and offer to take a message.  Optional. */
	void (*on_transfer_back)(struct brain_call *c, const char *result);
	/* The call is over (the caller hung up, or it was cut off) before
	 * the brain closed it: save what the caller said towards a message
	 * or callback.  Tools still work; nothing can be said.  Optional. */
	void (*on_end)(struct brain_call *c, const char *reason);
	/* Free priv.  Optional. */
	void (*free)(struct brain_call *c);
	/* 1: on_utterance may run on a hypothesis of the caller's words
	 * before the turn has ended (agent_spec.h): on a copy of the
	 * brain_call (call_state by value, priv NULL) whose core only
	 * records, answers read-only tools and refuses the rest (NULL).
	 * The brain must keep nothing of the call outside call_state. */
	int speculative;
};

extern const struct brain_ops brain_local;

/* The brain named by agent.brain, or NULL. */
const struct brain_ops *brain_find(const char *name);

/* Fill the caller's record (names, customer id, vehicles) from a
 * lookup_customer reply; 1 if it held the caller's own full record.
 * customer.c. */
int call_read_customer(struct call_state *st, json_t *rep);

/* Convenience wrappers over c->core. */
void call_say(struct brain_call *c, const char *text, int close);
json_t *call_tool(struct brain_call *c, const char *tool, json_t *args);
/* The caller is not the caller-id customer (crm-tools' deny_caller_id
 * already said so): nothing of that customer stays in the call state. */
void brain_forget_caller(struct brain_call *c);
void call_hint(struct brain_call *c, const char *expect,
    const char *const *words, size_t nwords);
void call_set_outcome(
    struct brain_call *c, const char *outcome, const char *notes);

/* call_job.c: the job behind an outbound call, for both brains. */
/* 1 if the call was placed by us for a job. */
int call_outbound(const struct call_state *st);
/* The other party's number: the caller, or whom an outbound call rang. */
const char *call_party(const struct call_state *st);
/* Fill the job fields from a job_get reply; 0, or -1 if it held none. */
int call_read_job(struct call_state *st, json_t *rep);
/* What the conversation made of the job (job_result's outcome); a later
 * call replaces an earlier one (confirmed, then moved after all). */
void call_job_outcome(
    struct brain_call *c, const char *outcome, const char *notes);
/* The job_result arguments for the end of the call (new reference), or
 * NULL when the conversation decided nothing: the carrier's result
 * (answered) stands. */
json_t *call_job_result(const struct call_state *st, const char *call_sid);
/* outbound.c (the local brain): 1 if the local brain takes this turn of
 * an outbound call (the "is this Maria?" answer, a machine's greeting, a
 * plain yes to a reminder), so the LLM brain hands it over; a reminder
 * answered any other way is the model's from then on. */
int outbound_local_turn(struct brain_call *c, const char *text);
/* "tomorrow at 9 AM", "on Tuesday, November 24 at 10 AM" for the job's
 * appointment seen from now. */
void call_job_when(
    const struct call_state *st, time_t now, char *buf, size_t len);

#endif
