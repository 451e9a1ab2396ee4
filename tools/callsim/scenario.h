/*
 * scenario.h - a caller script for callsim, read from a JSON file:
 * who calls, an optional pinned clock, the caller's turns and what the call
 * must show afterwards.  Pure data: no I/O beyond reading the file.
 */
#ifndef CALLSIM_SCENARIO_H
#define CALLSIM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

enum turn_kind { TURN_SAY, TURN_DTMF, TURN_WAIT, TURN_HANGUP };

struct turn {
	enum turn_kind kind;
	char *text; /* TURN_SAY: the line; TURN_DTMF: the digits */
	int barge_in; /* start ~800 ms into the agent's reply */
	int wait_ms; /* TURN_WAIT */
	uint8_t *audio; /* TURN_SAY: recorded caller mu-law to send
				   instead of synthesising text (replay,
				   load), or NULL */
	size_t audio_n;
};

struct expect_appt {
	char *service; /* NULL: any */
	char *date; /* "YYYY-MM-DD" or NULL */
	char *time; /* "HH:MM" or NULL */
};

struct expect {
	char *outcome; /* NULL: not checked */
	char *hangup_by; /* "agent" | "caller" | NULL */
	char **heard; /* heard_contains phrases */
	size_t nheard;
	struct expect_appt *appts;
	size_t nappts;
	int appts_set; /* "appointments" given ([] = none booked) */
	int transferred; /* -1 not checked, else 0/1 */
	long max_latency_ms; /* -1 not checked */
	char **rec_has; /* record_contains: in the call record */
	size_t nrec_has;
	char **rec_not; /* record_excludes: nowhere in it */
	size_t nrec_not;
	char *transfer_result; /* bridged, declined, no-answer, busy, failed */
	char **whisper_has; /* whisper_contains: the staff member heard */
	size_t nwhisper_has;
	int recorded; /* -1 not checked: sent to the voicemail box */
};

/* Telephone line impairments applied to the caller's audio. */
struct line_cond {
	double snr_db; /* white noise at this SNR, 0: none */
	int loss_every; /* drop one 20 ms frame in this many, 0: none */
	double gain_db; /* level change */
	double speed; /* speaking rate (resampled), 1: as made */
};

struct persona;

/* A persona call's turns: filled as the call goes (text NULL until the
 * caller decides what to say). */
#define PERSONA_MAX_TURNS 16

struct scenario {
	char *name;
	char *from;
	char *to; /* default +15555550100 */
	char *voice; /* kal | slt | awb | rms */
	char *now; /* "YYYY-MM-DDTHH:MM:SS" or NULL */
	char *staff; /* the staff member a transfer rings: accept
				   (presses 1), decline (presses 2), no-key,
				   no-answer, busy, fail; NULL = accept */
	struct turn *turns;
	size_t nturns;
	struct expect expect;
	struct persona *persona; /* a listening caller, or NULL */
	char *klass; /* persona.class: the population's
					   class of this call, or NULL */
	struct line_cond line;
};

/* Parse a scenario from JSON text / a file.  NULL on error with the reason
 * in err (file, field and what is wrong). */
struct scenario *scenario_parse(const char *json, char *err, size_t errlen);
struct scenario *scenario_load(const char *path, char *err, size_t errlen);
void scenario_free(struct scenario *s);
const char *turn_kind_name(enum turn_kind k);

#endif
