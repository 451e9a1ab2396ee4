# callsim: simulated caller + Twilio carrier for end-to-end tests.
# Links speech/: the flite engine (SPEECH_TTS) for the caller's voice, the
# decoder and LM builder (SPEECH_STT) under ear.c for hearing the agent,
# and the agent's templates (SPEECH_LINES) for what it expects to hear.
CALLSIM_CORE = tools/callsim/scenario.c tools/callsim/persona.c \
               tools/callsim/playout.c \
               tools/callsim/heard.c tools/callsim/cs_twiml.c \
               tools/callsim/eval.c
# the agent's sentences from its own templates, as the tts-worker speaks them
CALLSIM_LINES = tools/callsim/agent_lines.c $(SPEECH_LINES) $(SPEECH_TEXT)
CALLSIM_VOICE = tools/callsim/ear.c $(SPEECH_TTS) $(SPEECH_STT)

BINS += callsim
callsim_SRCS = tools/callsim/callsim.c tools/callsim/cs_call.c tools/callsim/cs_fall.c \
               tools/callsim/cs_session.c tools/callsim/expect.c \
               tools/callsim/cs_http.c tools/callsim/cs_carrier.c \
               tools/callsim/voice.c tools/callsim/record.c \
               tools/callsim/load.c tools/callsim/streams.c \
               tools/callsim/wsframe.c \
               $(CALLSIM_CORE) $(CALLSIM_VOICE)
callsim_LIBS = $(LIB_LWS) $(LIB_CURL) $(LIB_PS) $(LIB_FLITE)

TESTS += callsim_test
callsim_test_SRCS = tools/callsim/callsim_test.c tools/callsim/expect.c \
                    tools/callsim/wsframe.c $(CALLSIM_CORE) $(CALLSIM_LINES)
callsim_test_LIBS =

# a scripted stand-in gateway + agent, for testing callsim alone
BINS += callsim-fakegw
callsim-fakegw_SRCS = tools/callsim/fakegw.c tools/callsim/voice.c \
                      $(CALLSIM_VOICE)
callsim-fakegw_LIBS = $(LIB_LWS) $(LIB_PS) $(LIB_FLITE)

# offline measure of callsim's hearing on the agent's own replies, spoken
# through the tts-worker's path; also writes heard_corpus.txt
BINS += callsim-hearbench
callsim-hearbench_SRCS = tools/callsim/hearbench.c \
                         tools/callsim/agent_voice.c tools/callsim/heard.c \
                         speech/tts_pipe.c $(CALLSIM_LINES) \
                         $(CALLSIM_VOICE)
callsim-hearbench_LIBS = $(LIB_PS) $(LIB_FLITE)
