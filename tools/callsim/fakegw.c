/*
 * callsim-fakegw - a stand-in gateway + agent for testing callsim itself
 * without the stack: answers the signed voice webhook with <Connect>
 * <Stream>, runs a Media Stream the way the gateway does (paced 20 ms
 * media, marks after each utterance, clear on barge-in), replies to each
 * caller utterance from a fixed script with flite, hangs up after the
 * goodbye's mark is echoed, and serves GET /api/v1/calls/{sid}.
 * Talks only to callsim.  Not part of the product.
 *
 *   callsim-fakegw [-p PORT] [-u PUBLIC_URL]      (token: TWILIO_AUTH_TOKEN)
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <libwebsockets.h>

#include "log.h"
#include "mulaw.h"
#include "twilio.h"
#include "voice.h"

struct fs {
	/* HTTP */
	char uri[256];
	char body[8192];
	size_t blen;
	/* WebSocket */
	int ws, closing;
	char stream_sid[64], call_sid[64];
	uint8_t *audio; /* queued agent audio */
	size_t alen, apos;
	int utt, hangup_utt;
	char *out[256]; /* queued messages */
	size_t nout;
	int voiced_run, silent_run, in_speech, turn;
	struct lws *wsi;
	struct fs *next;
};

static const char *const script[] = {
    "Sure, I can book an oil change. I have Tuesday, November twenty "
    "fourth at ten a m. Shall I book it?",
    "You're all set. Your oil change is booked for Tuesday at ten. Is "
    "there anything else I can help you with?",
    "Thank you for calling Otto's Auto. Goodbye.",
};

static struct fs *sessions;
static struct lws_context *ctx;
static lws_sorted_usec_list_t tick_sul;
static const char *public_url = "https://frontdesk.example.com";
static const char *token;
static char seen[64][40];
static size_t nseen;
static volatile sig_atomic_t stop;

static void say(struct fs *s, const char *text, int hangup);
static void q_msg(struct fs *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void on_ws_msg(struct fs *s, const char *txt, size_t len);
static int http_reply(
    struct lws *wsi, unsigned status, const char *type, const char *body);
static void on_tick(lws_sorted_usec_list_t *sul);
static void reply_to_caller(struct fs *s);

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
    size_t len)
{
	struct fs *s = user, **pp;
	char sig[64] = "", url[512], xml[2048], rec[1024];
	struct fd_form f;
	const char *sid;
	size_t i;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		snprintf(s->uri, sizeof(s->uri), "%s", (const char *)in);
		if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI))
			return 0; /* wait for the body */
		if (strncmp(s->uri, "/api/v1/calls/", 14) == 0) {
			sid = s->uri + 14;
			for (i = 0; i < nseen && strcmp(seen[i], sid); i++)
				;
			if (i == nseen)
				return http_reply(wsi, 404, "application/json",
				    "{\"error\":\"no such call\"}");
			snprintf(rec, sizeof(rec),
			    "{\"call_sid\":\"%s\","
			    "\"outcome\":\"booked\",\"turns\":[],\"tool_"
			    "calls\":"
			    "[],\"appointments\":[{\"id\":1,\"service\":\"oil "
			    "change\",\"start\":\"2026-11-24T10:00:00\","
			    "\"status\":\"booked\",\"confirmation\":\"A1B2\"}]"
			    "}",
			    sid);
			return http_reply(wsi, 200, "application/json", rec);
		}
		return http_reply(wsi, 404, "text/plain", "not found\n");
	case LWS_CALLBACK_HTTP_BODY:
		if (s->blen + len < sizeof(s->body)) {
			memcpy(s->body + s->blen, in, len);
			s->blen += len;
		}
		return 0;
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		s->body[s->blen] = '\0';
		if (strcmp(s->uri, "/twilio/status") == 0)
			log_info(NULL, "status callback: %s", s->body);
		if (strcmp(s->uri, "/twilio/status") == 0)
			return http_reply(wsi, 204, "text/plain", "");
		if (strcmp(s->uri, "/twilio/voice") != 0)
			return http_reply(
			    wsi, 404, "text/plain", "not found\n");
		if (fd_form_parse(s->body, s->blen, &f) != 0)
			return http_reply(wsi, 400, "text/plain", "bad form\n");
		lws_hdr_custom_copy(
		    wsi, sig, sizeof(sig), "x-twilio-signature:", 19);
		snprintf(url, sizeof(url), "%s/twilio/voice", public_url);
		/* URLs with a query (outbound calls) are not checked here:
		 * lws splits the query, the real gateway checks them */
		if (token &&
		    !lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS) &&
		    !fd_twilio_valid(token, url, &f, sig)) {
			fd_form_free(&f);
			return http_reply(wsi, 403, "text/plain",
			    "bad "
			    "signature\n");
		}
		if ((sid = fd_form_get(&f, "CallSid")) && nseen < 64)
			snprintf(seen[nseen++], sizeof(seen[0]), "%s", sid);
		snprintf(xml, sizeof(xml),
		    "<?xml version=\"1.0\" encoding="
		    "\"UTF-8\"?><Response><Connect><Stream url=\"wss://%s/"
		    "twilio/media\"><Parameter name=\"From\" value=\"%s\"/>"
		    "<Parameter name=\"now\" value=\"%s\"/></Stream></Connect>"
		    "</Response>",
		    strstr(public_url, "://") ? strstr(public_url, "://") + 3
		                              : public_url,
		    fd_form_get(&f, "From") ? fd_form_get(&f, "From") : "",
		    fd_form_get(&f, "FdNow") ? fd_form_get(&f, "FdNow") : "");
		fd_form_free(&f);
		return http_reply(wsi, 200, "text/xml", xml);
	case LWS_CALLBACK_ESTABLISHED:
		memset(s, 0, sizeof(*s));
		s->ws = 1;
		s->wsi = wsi;
		s->next = sessions;
		sessions = s;
		break;
	case LWS_CALLBACK_RECEIVE:
		if (s->blen + len < sizeof(s->body)) {
			memcpy(s->body + s->blen, in, len);
			s->blen += len;
		}
		if (!lws_is_final_fragment(wsi))
			break;
		s->body[s->blen] = '\0';
		if (!lws_frame_is_binary(wsi))
			on_ws_msg(s, s->body, s->blen);
		s->blen = 0;
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (s->nout) {
			char *m = s->out[0];
			size_t n = strlen(m);
			unsigned char *buf = malloc(LWS_PRE + n);
			memmove(s->out, s->out + 1, --s->nout * sizeof(char *));
			if (buf) {
				memcpy(buf + LWS_PRE, m, n);
				lws_write(
				    wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT);
				free(buf);
			}
			free(m);
		}
		if (s->nout)
			lws_callback_on_writable(wsi);
		else if (s->closing)
			return -1;
		break;
	case LWS_CALLBACK_CLOSED:
		for (pp = &sessions; *pp; pp = &(*pp)->next)
			if (*pp == s) {
				*pp = s->next;
				break;
			}
		free(s->audio);
		for (i = 0; i < s->nout; i++)
			free(s->out[i]);
		break;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static void
on_ws_msg(struct fs *s, const char *txt, size_t len)
{
	json_t *j = json_loadb(txt, len, 0, NULL);
	const char *ev = j ? json_string_value(json_object_get(j, "event"))
	                   : NULL,
	           *p, *name;
	uint8_t a[400];
	long n;
	int voiced;

	if (ev == NULL) {
		log_warnx(NULL, "fakegw: bad message %.40s", txt);
	} else if (strcmp(ev, "start") == 0) {
		json_t *st = json_object_get(j, "start");
		snprintf(s->stream_sid, sizeof(s->stream_sid), "%s",
		    json_string_value(json_object_get(st, "streamSid"))
		        ? json_string_value(json_object_get(st, "streamSid"))
		        : "");
		snprintf(s->call_sid, sizeof(s->call_sid), "%s",
		    json_string_value(json_object_get(st, "callSid"))
		        ? json_string_value(json_object_get(st, "callSid"))
		        : "");
		say(s,
		    "Thank you for calling Otto's Auto, this is Ava, your "
		    "virtual assistant. How can I help you today?",
		    0);
	} else if (strcmp(ev, "media") == 0 && s->stream_sid[0]) {
		p = json_string_value(
		    json_object_get(json_object_get(j, "media"), "payload"));
		if (p == NULL ||
		    (n = fd_b64_decode(p, strlen(p), a, sizeof(a))) <= 0)
			goto out;
		voiced = voice_frame_voiced(a, (size_t)n);
		s->voiced_run = voiced ? s->voiced_run + 1 : 0;
		s->silent_run = voiced ? 0 : s->silent_run + 1;
		if (s->voiced_run >= 5 && !s->in_speech) {
			s->in_speech = 1;
			if (s->apos < s->alen) { /* barge-in */
				s->apos = s->alen;
				q_msg(s,
				    "{\"event\":\"clear\",\"streamSid\":"
				    "\"%s\"}",
				    s->stream_sid);
			}
		}
		if (s->in_speech && s->silent_run >= 30) {
			s->in_speech = 0;
			reply_to_caller(s);
		}
	} else if (strcmp(ev, "dtmf") == 0) {
		reply_to_caller(s);
	} else if (strcmp(ev, "mark") == 0) {
		name = json_string_value(
		    json_object_get(json_object_get(j, "mark"), "name"));
		if (name && s->hangup_utt && atoi(name + 1) == s->hangup_utt) {
			s->closing = 1;
			lws_callback_on_writable(s->wsi);
		}
	} else if (strcmp(ev, "stop") == 0) {
		s->closing = 1;
		lws_callback_on_writable(s->wsi);
	}
out:
	json_decref(j);
}

static void
reply_to_caller(struct fs *s)
{
	size_t n = sizeof(script) / sizeof(script[0]);
	int t = s->turn++;

	if ((size_t)t >= n)
		t = (int)n - 1;
	say(s, script[t], (size_t)t == n - 1);
}

static void
say(struct fs *s, const char *text, int hangup)
{
	char err[128];
	uint8_t *u, *na;
	size_t n;

	if (voice_say("slt", text, &u, &n, err, sizeof(err)) != 0)
		return;
	if (s->apos == s->alen) {
		free(s->audio);
		s->audio = NULL;
		s->alen = s->apos = 0;
	}
	if ((na = realloc(s->audio, s->alen + n)) != NULL) {
		memcpy(na + s->alen, u, n);
		s->audio = na;
		s->alen += n;
	}
	free(u);
	s->utt++;
	if (hangup)
		s->hangup_utt = s->utt;
}

/* Paced like the gateway: one 20 ms media message per tick; the mark
 * follows the utterance's last frame. */
static void
on_tick(lws_sorted_usec_list_t *sul)
{
	char b64[256];
	struct fs *s;

	for (s = sessions; s; s = s->next) {
		if (s->apos >= s->alen || s->closing)
			continue;
		fd_b64_encode(s->audio + s->apos, FD_FRAME_SAMPLES, b64);
		s->apos += FD_FRAME_SAMPLES;
		q_msg(s,
		    "{\"event\":\"media\",\"streamSid\":\"%s\",\"media\":"
		    "{\"payload\":\"%s\"}}",
		    s->stream_sid, b64);
		if (s->apos >= s->alen)
			q_msg(s,
			    "{\"event\":\"mark\",\"streamSid\":\"%s\","
			    "\"mark\":{\"name\":\"u%ds1\"}}",
			    s->stream_sid, s->utt);
	}
	lws_sul_schedule(ctx, 0, sul, on_tick, 20000);
}

static void
q_msg(struct fs *s, const char *fmt, ...)
{
	va_list ap;
	char *m;

	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	if (m == NULL || s->nout == sizeof(s->out) / sizeof(s->out[0])) {
		free(m);
		return;
	}
	s->out[s->nout++] = m;
	lws_callback_on_writable(s->wsi);
}

static int
http_reply(struct lws *wsi, unsigned status, const char *type, const char *body)
{
	unsigned char buf[LWS_PRE + 4096], *start = buf + LWS_PRE, *p = start,
	                                   *end = buf + sizeof(buf) - 1;
	size_t n = strlen(body);

	if (lws_add_http_common_headers(
	        wsi, status, type, (lws_filepos_t)n, &p, end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	memcpy(start, body, n);
	if (lws_write(wsi, start, n, LWS_WRITE_HTTP_FINAL) < (int)n)
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
	lws_cancel_service(ctx);
}

int
main(int argc, char **argv)
{
	static const struct lws_protocols protocols[] = {
	    {"http", cb, sizeof(struct fs), 65536, 0, NULL, 0},
	    {NULL, NULL, 0, 0, 0, NULL, 0}};
	struct lws_context_creation_info info;
	char err[256];
	int c, port = 8080;

	log_init("callsim-fakegw", LOG_LVL_INFO);
	while ((c = getopt(argc, argv, "p:u:")) != -1) {
		switch (c) {
		case 'p':
			port = atoi(optarg);
			break;
		case 'u':
			public_url = optarg;
			break;
		default:
			fprintf(stderr,
			    "usage: callsim-fakegw [-p port] "
			    "[-u public_url]\n");
			return 2;
		}
	}
	token = getenv("TWILIO_AUTH_TOKEN");
	if (voice_init(NULL, err, sizeof(err)) != 0)
		fatalx("voice: %s", err);
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof(info));
	info.port = port;
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	info.iface = "127.0.0.1";
	if ((ctx = lws_create_context(&info)) == NULL)
		fatalx("cannot listen on %d", port);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	lws_sul_schedule(ctx, 0, &tick_sul, on_tick, 20000);
	log_info(NULL, "fake gateway on 127.0.0.1:%d", port);
	while (!stop && lws_service(ctx, 0) >= 0)
		;
	lws_context_destroy(ctx);
	voice_fini();
	return 0;
}
