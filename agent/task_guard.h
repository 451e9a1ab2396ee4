/*
 * task_guard.h - guardrails against injection and social engineering
 * (task_guard.c).  Uses dlg.h only.
 */
#ifndef AGENT_TASK_GUARD_H
#define AGENT_TASK_GUARD_H

#include "dlg.h"

enum guard { GUARD_OK = 0, GUARD_INJECTION, GUARD_OTHERS_DATA, GUARD_BULK };
enum guard guard_check(const char *text);
void guard_refuse(struct brain_call *c, enum guard g);

#endif
