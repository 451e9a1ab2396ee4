# callsim: simulated caller + Twilio carrier for end-to-end tests.
# Links tts-worker's flite engine (TTS_FLITE_SRCS) for the caller's voice
# and stt-worker's ps8k decoder (STT_CORE) for hearing the agent.
CALLSIM_CORE = tools/callsim/scenario.c tools/callsim/playout.c \
               tools/callsim/heard.c tools/callsim/twiml.c \
               tools/callsim/eval.c
CALLSIM_VOICE = $(TTS_FLITE_SRCS) $(STT_CORE)

BINS += callsim
callsim_SRCS = tools/callsim/callsim.c tools/callsim/call.c \
               tools/callsim/session.c tools/callsim/expect.c \
               tools/callsim/http.c tools/callsim/carrier.c \
               tools/callsim/voice.c tools/callsim/record.c \
               tools/callsim/load.c tools/callsim/streams.c \
               tools/callsim/wsframe.c \
               $(CALLSIM_CORE) $(CALLSIM_VOICE)
callsim_LIBS = $(LIB_LWS) $(LIB_CURL) $(LIB_PS) $(LIB_FLITE)

TESTS += callsim_test
callsim_test_SRCS = tools/callsim/callsim_test.c tools/callsim/expect.c \
                    tools/callsim/wsframe.c $(CALLSIM_CORE)
callsim_test_LIBS =

# a scripted stand-in gateway + agent, for testing callsim alone
BINS += callsim-fakegw
callsim-fakegw_SRCS = tools/callsim/fakegw.c tools/callsim/voice.c \
                      $(CALLSIM_VOICE)
callsim-fakegw_LIBS = $(LIB_LWS) $(LIB_PS) $(LIB_FLITE)
