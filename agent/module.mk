# agent: per-call dialogue and orchestration with a pluggable brain
AGENT_BRAIN_SRCS = agent/brain.c agent/brain_local.c agent/booking.c \
                   agent/intent.c agent/datetime.c agent/templates.c agent/text.c

BINS += agent
agent_SRCS = agent/agent.c agent/calls.c agent/call.c $(AGENT_BRAIN_SRCS)

TESTS += agent_datetime_test
agent_datetime_test_SRCS = agent/datetime_test.c agent/datetime.c agent/text.c

TESTS += agent_intent_test
agent_intent_test_SRCS = agent/intent_test.c agent/intent.c agent/text.c

TESTS += agent_brain_test
agent_brain_test_SRCS = agent/brain_test.c $(AGENT_BRAIN_SRCS)

# starts build/bin/agent: build that first
TESTS += agent_e2e_test
agent_e2e_test_SRCS = agent/agent_e2e_test.c
