/*
 * templates.h - every sentence the local brain speaks, in one place.
 * Texts hold {placeholders}: {business}, {persona}, {address} and {hours}
 * come from the business config; the rest from the caller's variables.
 * A business can reword any of them in its config:
 *   agent: { templates: { greeting = "..."; }; };
 * No process talks to this module.
 */
#ifndef AGENT_TEMPLATES_H
#define AGENT_TEMPLATES_H

#include <stddef.h>
#include <libconfig.h>

#include "business.h"

enum tpl_id {
	T_GREETING,
	T_GREETING_KNOWN,
	T_GREET_CONFIRMED,
	T_GREET_NOT_THEM,
	T_HOW_HELP,
	T_WHAT_ELSE,
	T_ANYTHING_ELSE,
	T_GOODBYE,
	T_ASK_SERVICE,
	T_ASK_DAY,
	T_ASK_TIME,
	T_OFFER_SLOTS,
	T_TIME_TAKEN,
	T_DAY_CLOSED,
	T_DAY_FULL,
	T_NO_SLOTS_SOON,
	T_ASK_NAME,
	T_READBACK,
	T_BOOKED,
	T_SLOT_GONE,
	T_TOOL_ERROR,
	T_WHAT_CHANGE,
	T_YES_OR_NO,
	T_HOURS,
	T_ADDRESS,
	T_PRICE,
	T_PRICE_QUOTE,
	T_PRICE_WHICH,
	T_TRANSFER,
	T_HUMAN_CLOSED,
	T_MSG_ASK_NAME,
	T_MSG_ASK_TEXT,
	T_MSG_TAKEN,
	T_MSG_OFFER,
	T_NOT_UNDERSTOOD,
	T_SAY_AGAIN,
	T_TOO_MANY_OPEN,
	T_TOO_MANY_CLOSED,
	T_CHANGE_EXISTING,
	T_IDLE_1,
	T_IDLE_2,
	T_IDLE_BYE,
	T_NO_PROBLEM,
	/* identity */
	T_ASK_WHO,
	T_WHO_THANKS,
	T_CONFIRM_ID_FIRST,
	T_VERIFY_PHONE,
	T_VERIFY_PROOF,
	T_VERIFY_FAILED,
	T_VERIFY_LOCKED,
	T_VERIFIED,
	T_PHONE_AGAIN,
	T_VERIFY_FACTOR,
	T_VERIFY_FACTOR_BAD,
	T_VERIFY_NO_FACTOR,
	/* booking and appointments */
	T_ASK_VEHICLE,
	T_READBACK_VEHICLE,
	T_ASK_LAST_NAME,
	T_BOOK_PHONE,
	T_BOOK_NUMBER_TAKEN,
	T_BOOK_OTHER_LINE,
	T_READBACK_MOVE,
	T_MOVED,
	T_NO_APPTS,
	T_APPTS_LIST,
	T_APPT_WHICH,
	T_MOVE_DAY,
	T_CONFIRM_CANCEL,
	T_CANCELLED,
	T_KEEP_IT,
	/* repair orders */
	T_STATUS,
	T_STATUS_READY_BY,
	T_NO_ORDER,
	T_ORDER_NOT_CANCELLABLE,
	T_ORDER_ASK_NAME,
	T_ORDER_CONFIRM,
	T_ORDER_CANCELLED,
	T_ORDER_NAME_BAD,
	/* messages, leads, callbacks */
	T_MSG_NUMBER_OK,
	T_MSG_ASK_NUMBER,
	T_MSG_URGENCY,
	T_LEAD_ASK_NAME,
	T_LEAD_NEED,
	T_LEAD_TIMELINE,
	T_LEAD_TAKEN,
	T_CALLBACK_OFFER,
	T_CALLBACK_WHEN,
	T_CALLBACK_DONE,
	T_TEAM_MESSAGE_OFFER,
	T_XFER_DECLINED,
	T_XFER_NO_ANSWER,
	/* answers */
	T_HOURS_DAY,
	T_HOURS_CLOSED_DAY,
	T_SERVICES,
	T_REPROMPT,
	T_LANG_ENGLISH,
	T_LANG_YES,
	T_LANG_NO,
	T_LANG_LIST,
	T_LANG_OFFER_HUMAN,
	T_LANG_OFFER_MSG,
	/* guardrails */
	T_GUARD_INJECTION,
	T_GUARD_PRIVACY,
	T_GUARD_BULK,
	/* outbound calls (reminders, callbacks, follow-ups) */
	T_OB_ASK_FOR,
	T_OB_ASK_FOR_AGAIN,
	T_OB_WRONG_PERSON,
	T_OB_REMIND,
	T_OB_CONFIRMED,
	T_OB_CHANGE,
	T_OB_CALLBACK,
	T_OB_CALLBACK_ANON,
	T_OB_LEAD,
	T_OB_VOICEMAIL,
	T_OB_VOICEMAIL_CALLBACK,
	T_COUNT
};

struct tpl_var {
	const char *key;
	const char *val;
};

/* Set the business and read overrides from agent.templates (cfg may be
 * NULL).  -1 with err on an unknown template name. */
int tpl_init(
    const struct fd_business *b, const config_t *cfg, char *err, size_t errlen);
void tpl_free(void);
/* Render template id with vars (NULL-key terminated, may be NULL). */
void tpl_render(
    enum tpl_id id, const struct tpl_var *vars, char *buf, size_t len);
/* The opening hours as a sentence fragment: "Monday to Friday 8 AM to
 * 6 PM, Saturday 9 AM to 1 PM, and closed on Sunday". */
void tpl_hours(const struct fd_business *b, char *buf, size_t len);

#endif
