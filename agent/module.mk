# agent: per-call dialogue and orchestration with a pluggable brain
AGENT_BRAIN_SRCS = agent/brain.c agent/brain_local.c agent/task_booking.c \
                   agent/intent.c $(SPEECH_LINES) \
                   agent/customer.c agent/task_identity.c agent/task_appts.c \
                   agent/task_orders.c agent/task_contact.c agent/task_answers.c \
                   agent/task_guard.c agent/dlg.c agent/spoken.c \
                   agent/lang.c \
                   agent/call_job.c agent/task_outbound.c
# the LLM brain (agent.brain = "llm"): brain_llm.h
AGENT_LLM_SRCS = agent/brain_llm.c agent/brain_llm_exec.c agent/llm_sse.c \
                 agent/llm_reply.c agent/llm_tools.c \
                 agent/llm_history.c agent/llm_http.c agent/llm_prompt.c
AGENT_BRAIN_SRCS += $(AGENT_LLM_SRCS)

# the Realtime engine (agent.engine = "realtime"): rt_call.h
AGENT_RT_SRCS = agent/rt_call.c agent/rt_engine.c agent/rt_client.c

BINS += agent
agent_SRCS = agent/agent.c agent/calls.c agent/agent_call.c agent/agent_spec.c \
             agent/agent_session.c \
             agent/session_store.c $(AGENT_BRAIN_SRCS) $(AGENT_RT_SRCS)
agent_LIBS = $(LIB_CURL) $(LIB_REDIS) $(LIB_LWS)

TESTS += agent_session_test
agent_session_test_SRCS = agent/agent_session_test.c agent/agent_session.c \
                          agent/session_store.c
agent_session_test_LIBS = $(LIB_REDIS)

TESTS += agent_spoken_test
agent_spoken_test_SRCS = agent/spoken_test.c agent/spoken.c speech/text.c

TESTS += agent_intent_test
agent_intent_test_SRCS = agent/intent_test.c agent/intent.c speech/text.c \
                         agent/lang.c

TESTS += agent_brain_test
agent_brain_test_SRCS = agent/brain_test.c tests/fakes/fake_core.c \
                        tests/fakes/fake_call.c tests/fakes/fakecrm.c crm-tools/slots.c \
                        $(AGENT_BRAIN_SRCS)
agent_brain_test_LIBS = $(LIB_CURL)

TESTS += agent_spec_test
agent_spec_test_SRCS = agent/agent_spec_test.c agent/agent_spec.c \
                       tests/fakes/fake_core.c tests/fakes/fake_call.c \
                       tests/fakes/fakecrm.c crm-tools/slots.c \
                       $(AGENT_BRAIN_SRCS)
agent_spec_test_LIBS = $(LIB_CURL)

TESTS += agent_brain_cope_test
agent_brain_cope_test_SRCS = agent/brain_cope_test.c tests/fakes/fake_core.c \
                             tests/fakes/fake_call.c tests/fakes/fakecrm.c crm-tools/slots.c \
                             $(AGENT_BRAIN_SRCS)
agent_brain_cope_test_LIBS = $(LIB_CURL)

TESTS += agent_llm_stream_test
agent_llm_stream_test_SRCS = agent/llm_stream_test.c agent/llm_sse.c \
                             agent/llm_reply.c

TESTS += agent_llm_schema_test
agent_llm_schema_test_SRCS = agent/llm_schema_test.c \
                             agent/llm_tools.c agent/llm_history.c \
                             speech/text.c

# starts tests/peers/openai_peer.py (python3, standard library only)
TESTS += agent_brain_llm_test
agent_brain_llm_test_SRCS = agent/brain_llm_test.c tests/fakes/fake_core.c \
                            tests/harness/llm_peer_util.c \
                            agent/agent_session.c $(AGENT_BRAIN_SRCS)
agent_brain_llm_test_LIBS = $(LIB_CURL)

# starts build/bin/agent (build that first) and tests/peers/openai_peer.py
TESTS += agent_e2e_test
agent_e2e_test_SRCS = agent/agent_e2e_test.c \
                      tests/harness/llm_peer_util.c \
                      tests/harness/fake_customer.c
agent_e2e_test_LIBS = $(LIB_CURL)

# starts build/bin/agent (build that first) with agent.engine = "realtime"
# and tests/peers/openai/realtime_peer.py (python3-websockets)
TESTS += agent_rt_engine_test
agent_rt_engine_test_SRCS = agent/rt_engine_test.c tests/harness/rt_harness.c \
                            tests/harness/peer_run.c tests/harness/fake_customer.c
