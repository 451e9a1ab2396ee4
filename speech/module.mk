# speech: the speech and text code several programs link.  It sits below
# the daemons and tools that use it and links none of them.
#   SPEECH_STT   pocketsphinx decoding of 8 kHz audio and the domain
#                language model built from the business config
#                (stt-worker, stt-bench, callsim hearing the agent)
#   SPEECH_TTS   the flite engine and its resampler (tts-worker,
#                tts-bench, callsim's voice); speech/tts_pipe.c, synthesis
#                cut into 20 ms mu-law frames, is linked on its own
#   SPEECH_TEXT  text normalised for synthesis and split into sentences
#                (tts-worker, tts-bench, callsim)
#   SPEECH_LINES the agent's reply templates with the date and text
#                helpers they use (agent, callsim's expected lines)
SPEECH_STT   = speech/arpa_lm.c speech/dict_words.c speech/domain_corpus.c \
               speech/domain_lm.c speech/resample.c speech/ps_decoder.c \
               speech/denoise.c
SPEECH_TTS   = speech/tts_engine_flite.c speech/tts_resample.c
SPEECH_TEXT  = speech/tts_normalize.c speech/tts_words.c speech/tts_split.c
SPEECH_LINES = speech/templates.c speech/datetime.c speech/text.c

TESTS += stt_arpa_test
stt_arpa_test_SRCS = speech/arpa_lm_test.c speech/arpa_lm.c \
                     speech/domain_corpus.c
stt_arpa_test_LIBS =

TESTS += tts_normalize_test
tts_normalize_test_SRCS = speech/tts_normalize_test.c $(SPEECH_TEXT)

TESTS += tts_split_test
tts_split_test_SRCS = speech/tts_split_test.c $(SPEECH_TEXT)

TESTS += tts_resample_test
tts_resample_test_SRCS = speech/tts_resample_test.c speech/tts_resample.c \
                         speech/tts_pipe.c

TESTS += agent_datetime_test
agent_datetime_test_SRCS = speech/datetime_test.c speech/datetime.c \
                           speech/text.c
