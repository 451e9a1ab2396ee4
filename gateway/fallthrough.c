/*
 * fallthrough.c - inbound calls that fall through the agent (see
 * fallthrough.h): the warm transfer's whisper and its decision, the
 * <Dial action> that brings a call nobody took back to the agent, and the
 * voicemail box.  Talks to the carrier (TwiML answers, the recording
 * fetched over HTTPS), stt-worker (the recording as AUDIO_IN, its
 * TRANSCRIPTs back) and crm-tools (the call record, the message and its
 * callback job).
 *
 * The transfer's summary and the staff member's answer are kept in a
 * small table by the caller's CallSid until the <Dial> ends; a gateway
 * restart in between forgets them, and then the carrier's DialCallStatus
 * alone decides (a declined whisper is not bridged either way).
 *
 * A voicemail is transcribed by sending its audio to stt-worker as the
 * call's AUDIO_IN (a call stt-worker does not know opens a stream on its
 * first audio; no CALL_START, so the agent never hears of it), faster
 * than real time and followed by silence so the recogniser ends the last
 * utterance; the finals that come back for that call id are the text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "bus.h"
#include "callinfo.h"
#include "carrier.h"
#include "clock.h"
#include "daemon.h"
#include "cluster.h"
#include "fallthrough.h"
#include "gateway.h"
#include "log.h"
#include "mulaw.h"
#include "proto/payload.h"
#include "sbuf.h"
#include "twiml.h"
#include "workq.h"

#define XFER_SLOTS 64
#define XFER_TTL_US (15ull * 60 * 1000000)
#define WHISPER_KEY_S 8
#define VM_MAX_BYTES (8 * 1024 * 1024)
#define VM_RUN_FRAMES 25 /* frames per AUDIO_IN message */
#define VM_RUN_PAUSE_US 100000 /* 5x real time */
#define VM_TAIL_FRAMES 75 /* 1.5 s of silence at the end */
#define VM_QUIET_US 2500000 /* no new words this long: done */
#define VM_WAIT_MAX_US 30000000
#define VM_SLOTS 8
/* agent, stt-worker or tts-worker not heard this long: nobody can answer */
#define PEER_SILENT_US 5000000

struct xfer {
	char sid[FD_CALL_ID_LEN]; /* the caller's call, "" free */
	char to[64];
	char summary[400];
	int declined;
	uint64_t at_us;
};

/* A voicemail being transcribed: its words, by call id. */
struct vm_words {
	char sid[FD_CALL_ID_LEN];
	struct sbuf text;
	uint64_t last_us; /* last final */
};

struct vm_job {
	struct workq_job j;
	char sid[FD_CALL_ID_LEN];
	char rec_sid[64];
	char url[600];
	char from[64], to[64];
	long duration_s;
	char api_base[256], account_sid[64], auth_token[128];
};

static pthread_mutex_t xfer_mu = PTHREAD_MUTEX_INITIALIZER;
static struct xfer xfers[XFER_SLOTS];
static pthread_mutex_t vm_mu = PTHREAD_MUTEX_INITIALIZER;
static struct vm_words vms[VM_SLOTS];
static struct workq vm_q;

static void vm_run(struct workq_job *j);

int
fall_start(void)
{
	return workq_start(&vm_q, 1, 32);
}

void
fall_stop(void)
{
	size_t i;

	workq_stop(&vm_q);
	for (i = 0; i < VM_SLOTS; i++)
		sbuf_free(&vms[i].text);
}

/* ---- the warm transfer ---- */

static char *
pub_url(const char *path, const char *parent)
{
	struct sbuf b;
	size_t n;

	sbuf_init(&b);
	pthread_mutex_lock(&gw_lock);
	n = strlen(gw_cfg.public_url);
	while (n > 0 && gw_cfg.public_url[n - 1] == '/')
		n--;
	sbuf_printf(&b, "%.*s/twilio/%s", (int)n, gw_cfg.public_url, path);
	pthread_mutex_unlock(&gw_lock);
	if (parent) {
		sbuf_add(&b, "?parent=");
		sbuf_add_urlenc(&b, parent);
	}
	return sbuf_done(&b);
}

static struct xfer *
xfer_find_locked(const char *sid)
{
	size_t i;

	for (i = 0; i < XFER_SLOTS; i++)
		if (xfers[i].sid[0] && strcmp(xfers[i].sid, sid) == 0)
			return &xfers[i];
	return NULL;
}

char *
fall_transfer_twiml(const char *sid, const char *to, const char *summary)
{
	struct xfer *x, *oldest = &xfers[0];
	uint64_t now = fd_mono_us();
	char *action, *whisper = NULL, *xml;
	int warm, ring;
	size_t i;

	pthread_mutex_lock(&gw_lock);
	warm = gw_cfg.warm_transfer;
	ring = gw_cfg.transfer_ring_s;
	pthread_mutex_unlock(&gw_lock);
	pthread_mutex_lock(&xfer_mu);
	if ((x = xfer_find_locked(sid)) == NULL)
		for (i = 0; i < XFER_SLOTS && x == NULL; i++) {
			if (xfers[i].sid[0] == '\0' ||
			    now - xfers[i].at_us > XFER_TTL_US)
				x = &xfers[i];
			else if (xfers[i].at_us < oldest->at_us)
				oldest = &xfers[i];
		}
	if (x == NULL)
		x = oldest;
	memset(x, 0, sizeof(*x));
	snprintf(x->sid, sizeof(x->sid), "%s", sid);
	snprintf(x->to, sizeof(x->to), "%s", to);
	snprintf(x->summary, sizeof(x->summary), "%s",
	    summary && summary[0] ? summary : "A caller asked for a person.");
	x->at_us = now;
	pthread_mutex_unlock(&xfer_mu);
	action = pub_url("dial-action", NULL);
	if (warm)
		whisper = pub_url("whisper", sid);
	xml = action && (whisper || !warm)
	    ? twiml_dial(to, ring, action, whisper)
	    : NULL;
	free(action);
	free(whisper);
	return xml;
}

/* The staff member answered: the summary and "press 1". */
void
fall_whisper(
    const struct fd_form *form, const char *parent, struct fall_reply *out)
{
	char summary[400] = "", *key;
	struct xfer *x;

	out->xml = NULL;
	out->status = 200;
	if (parent == NULL || !fd_call_id_valid(parent)) {
		out->status = 400;
		return;
	}
	pthread_mutex_lock(&xfer_mu);
	if ((x = xfer_find_locked(parent)) != NULL)
		snprintf(summary, sizeof(summary), "%s", x->summary);
	pthread_mutex_unlock(&xfer_mu);
	if (summary[0] == '\0')
		snprintf(summary, sizeof(summary),
		    "A caller asked for a "
		    "person.");
	log_info(parent, "whisper to %s (leg %s): \"%s\"",
	    fd_form_get(form, "To") ?: "?", fd_form_get(form, "CallSid") ?: "?",
	    summary);
	if ((key = pub_url("whisper-key", parent)) == NULL)
		return;
	out->xml = twiml_whisper(summary, key, WHISPER_KEY_S);
	free(key);
}

/* The staff member's key: 1 bridges (an empty document ends the
 * whisper), anything else hangs up their leg. */
void
fall_whisper_key(
    const struct fd_form *form, const char *parent, struct fall_reply *out)
{
	const char *d = fd_form_get(form, "Digits");
	int accept = d && strcmp(d, "1") == 0;
	struct xfer *x;

	out->xml = NULL;
	out->status = 200;
	if (parent == NULL || !fd_call_id_valid(parent)) {
		out->status = 400;
		return;
	}
	pthread_mutex_lock(&xfer_mu);
	if ((x = xfer_find_locked(parent)) != NULL)
		x->declined = !accept;
	pthread_mutex_unlock(&xfer_mu);
	log_info(parent, "transfer %s by the staff member (key %s)",
	    accept ? "accepted" : "declined", d && d[0] ? d : "none");
	out->xml = accept
	    ? twiml_say("Connecting.", 0)
	    : twiml_say("Declined. The caller will be offered a message.", 1);
}

/* The <Dial> ended.  Bridged: the call is over.  Otherwise the caller is
 * still on the line: a new Media Stream back to the agent, which resumes
 * the call from its session and offers to take a message. */
void
fall_dial_action(const struct fd_form *form, struct fall_reply *out)
{
	const char *sid = fd_form_get(form, "CallSid");
	const char *st = fd_form_get(form, "DialCallStatus");
	const char *from = fd_form_get(form, "From");
	const char *to = fd_form_get(form, "To");
	const char *dir = fd_form_get(form, "Direction");
	const char *result;
	struct twiml_param p[5];
	char token[CALLINFO_TOKEN_LEN], surl[600], staff[64] = "";
	struct xfer *x;
	int declined = 0;

	out->xml = NULL;
	out->status = 200;
	if (sid == NULL || !fd_call_id_valid(sid)) {
		out->status = 400;
		return;
	}
	pthread_mutex_lock(&xfer_mu);
	if ((x = xfer_find_locked(sid)) != NULL) {
		declined = x->declined;
		snprintf(staff, sizeof(staff), "%s", x->to);
		x->sid[0] = '\0';
	}
	pthread_mutex_unlock(&xfer_mu);
	result =
	    fall_dial_outcome(st, fd_form_get(form, "DialBridged"), declined);
	if (result == NULL) {
		log_info(sid,
		    "transfer to %s ended after the staff member "
		    "talked (%s s)",
		    staff[0] ? staff : "?",
		    fd_form_get(form, "DialCallDuration") ?: "?");
		out->xml = twiml_say(NULL, 1);
		return;
	}
	log_info(sid,
	    "transfer to %s not taken (%s, DialCallStatus %s): back "
	    "to the agent",
	    staff[0] ? staff : "?", result, st ? st : "?");
	pthread_mutex_lock(&gw_lock);
	twiml_stream_url(gw_cfg.public_url, surl, sizeof(surl));
	pthread_mutex_unlock(&gw_lock);
	if (dir == NULL || dir[0] == '\0')
		dir = "inbound";
	if (callinfo_put(sid, from ? from : "", to ? to : "", dir, fd_mono_us(),
	        token) != 0) {
		out->xml = twiml_say("Sorry, we cannot take your call right "
		                     "now. Please call back later.",
		    1);
		return;
	}
	p[0] = (struct twiml_param){CALLINFO_PARAM, token};
	p[1] = (struct twiml_param){"From", from ? from : ""};
	p[2] = (struct twiml_param){"To", to ? to : ""};
	p[3] = (struct twiml_param){"Direction", dir};
	p[4] = (struct twiml_param){"transfer_result", result};
	out->xml = twiml_connect_stream(surl, p, 5);
}

/* ---- the voicemail box ---- */

/* Every daemon the call needs is heard on the bus. */
static int
stack_answers(void)
{
	static const int need[] = {FD_D_AGENT, FD_D_STT, FD_D_TTS};
	struct fd_bus_peer p;
	uint64_t now = fd_mono_us();
	size_t k;
	int i, ok;

	for (k = 0; k < sizeof(need) / sizeof(need[0]); k++) {
		const char *addr = fd_pub_addr(need[k]);

		/* in a cluster: any live instance of the kind */
		ok = fd_cluster_on() && fd_cluster_any_alive(need[k]);
		if (fd_cluster_on())
			addr = "";
		for (i = 0; fd_bus_peer_get(&gw_bus, i, &p) == 0; i++)
			if (strcmp(p.addr, addr) == 0 && p.pipe &&
			    p.heard_us + PEER_SILENT_US > now)
				ok = 1;
		if (!ok) {
			log_warnx(NULL,
			    "voice webhook: %s not heard for %d "
			    "s",
			    fd_daemons[need[k]].name,
			    (int)(PEER_SILENT_US / 1000000));
			return 0;
		}
	}
	return 1;
}

int
fall_voicemail_box(const struct fd_form *form, struct fall_reply *out)
{
	const char *sid = fd_form_get(form, "CallSid");
	const char *from = fd_form_get(form, "From");
	const char *to = fd_form_get(form, "To");
	char *action, *cb;
	struct sbuf q;
	int chosen, degraded, max_s;

	pthread_mutex_lock(&gw_lock);
	chosen = gw_cfg.voicemail_box;
	degraded = gw_cfg.voicemail_degraded;
	max_s = gw_cfg.voicemail_max_s;
	pthread_mutex_unlock(&gw_lock);
	if (!chosen && (!degraded || stack_answers()))
		return 0;
	log_info(sid, "voice webhook: call from %s to the voicemail box (%s)",
	    from ? from : "?",
	    chosen ? "gateway.voicemail_box" : "the stack cannot answer");
	out->status = 200;
	action = pub_url("record-done", NULL);
	/* the caller's numbers ride in the signed callback URL: the
	 * recording callback does not carry them */
	sbuf_init(&q);
	if ((cb = pub_url("recording", NULL)) != NULL) {
		sbuf_add(&q, cb);
		sbuf_add(&q, "?from=");
		sbuf_add_urlenc(&q, from ? from : "");
		sbuf_add(&q, "&to=");
		sbuf_add_urlenc(&q, to ? to : "");
		free(cb);
	}
	cb = sbuf_done(&q);
	out->xml = action && cb
	    ? twiml_record(
	          "Thanks for calling. Nobody can "
	          "take your call right now. Please leave your name, your "
	          "number "
	          "and a message after the tone, and we will call you back.",
	          max_s, action, cb)
	    : NULL;
	free(action);
	free(cb);
	return 1;
}

void
fall_record_done(const struct fd_form *form, struct fall_reply *out)
{
	log_info(fd_form_get(form, "CallSid"), "voicemail recorded (%s s)",
	    fd_form_get(form, "RecordingDuration") ?: "?");
	out->status = 200;
	out->xml = twiml_say("Thank you. We will call you back. Goodbye.", 1);
}

static void
vm_discard(struct workq_job *j)
{
	struct vm_job *v = (struct vm_job *)j;

	log_warnx(v->sid,
	    "voicemail %s not transcribed (shutting down): "
	    "it stays at the carrier",
	    v->rec_sid);
	free(v);
}

void
fall_recording(const struct fd_form *form, const char *from, const char *to,
    struct fall_reply *out)
{
	const char *sid = fd_form_get(form, "CallSid");
	const char *rsid = fd_form_get(form, "RecordingSid");
	const char *url = fd_form_get(form, "RecordingUrl");
	const char *st = fd_form_get(form, "RecordingStatus");
	const char *dur = fd_form_get(form, "RecordingDuration");
	struct vm_job *v;

	out->xml = NULL;
	out->status = 204;
	if (sid == NULL || !fd_call_id_valid(sid) || url == NULL ||
	    rsid == NULL || strlen(url) >= sizeof(v->url) ||
	    strlen(rsid) >= sizeof(v->rec_sid)) {
		log_warnx(sid,
		    "recording callback without CallSid, "
		    "RecordingSid or RecordingUrl");
		out->status = 400;
		return;
	}
	if (st && strcmp(st, "completed") != 0) {
		log_info(sid, "recording %s: %s", rsid, st);
		return;
	}
	if ((v = calloc(1, sizeof(*v))) == NULL) {
		log_err(sid, "recording %s: out of memory, left at the carrier",
		    rsid);
		out->status = 500;
		return;
	}
	v->j.run = vm_run;
	v->j.discard = vm_discard;
	snprintf(v->sid, sizeof(v->sid), "%s", sid);
	snprintf(v->rec_sid, sizeof(v->rec_sid), "%s", rsid);
	snprintf(v->url, sizeof(v->url), "%s", url);
	snprintf(v->from, sizeof(v->from), "%s", from ? from : "");
	snprintf(v->to, sizeof(v->to), "%s", to ? to : "");
	v->duration_s = dur ? atol(dur) : 0;
	pthread_mutex_lock(&gw_lock);
	snprintf(
	    v->api_base, sizeof(v->api_base), "%s", gw_cfg.twilio_api_base);
	snprintf(
	    v->account_sid, sizeof(v->account_sid), "%s", gw_cfg.account_sid);
	snprintf(v->auth_token, sizeof(v->auth_token), "%s", gw_cfg.auth_token);
	pthread_mutex_unlock(&gw_lock);
	log_info(sid, "voicemail %s from %s (%s s): fetching %s", rsid,
	    v->from[0] ? v->from : "?", dur ? dur : "?", url);
	if (workq_push(&vm_q, &v->j) != 0) {
		log_err(
		    sid, "recording %s: queue full, left at the carrier", rsid);
		free(v);
		out->status = 503;
	}
}

void
fall_transcript(const struct fd_frame *f)
{
	struct fd_pl_transcript t;
	size_t i;
	json_t *j;

	/* a final stt-worker sends again (for a restarted agent) is here */
	if (f->flags & FD_F_REPLAY)
		return;
	if ((j = fd_bus_read_transcript(f, &t)) == NULL)
		return;
	if (t.final && t.text && t.text[0]) {
		pthread_mutex_lock(&vm_mu);
		for (i = 0; i < VM_SLOTS; i++)
			if (strcmp(vms[i].sid, f->call_id) == 0) {
				if (vms[i].text.len)
					sbuf_add(&vms[i].text, " ");
				sbuf_add(&vms[i].text, t.text);
				vms[i].last_us = fd_mono_us();
			}
		pthread_mutex_unlock(&vm_mu);
	}
	json_decref(j);
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct sbuf *b = arg;

	if (b->len + size * n > VM_MAX_BYTES)
		return 0;
	sbuf_addn(b, p, size * n);
	return b->err ? 0 : size * n;
}

/* GET the recording (as WAV) with the account's credentials. */
static int
vm_fetch(const struct vm_job *v, struct sbuf *body, char *err, size_t errlen)
{
	char url[640];
	long http = 0;
	CURLcode cc;
	CURL *h;

	/* only the carrier's own host gets our credentials */
	if (strncmp(v->url, v->api_base, strlen(v->api_base)) != 0) {
		snprintf(err, errlen, "RecordingUrl %.100s is not under %.100s",
		    v->url, v->api_base);
		return -1;
	}
	snprintf(url, sizeof(url), "%s%s", v->url,
	    strstr(v->url, ".wav") ? "" : ".wav");
	if ((h = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	carrier_curl_auth(h, v->account_sid, v->auth_token, 20000L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
	cc = curl_easy_perform(h);
	if (cc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &http);
	curl_easy_cleanup(h);
	if (cc != CURLE_OK) {
		snprintf(
		    err, errlen, "GET %.200s: %s", url, curl_easy_strerror(cc));
		return -1;
	}
	if (http != 200) {
		snprintf(err, errlen, "GET %.200s: HTTP %ld", url, http);
		return -1;
	}
	return 0;
}

static struct vm_words *
vm_slot(const char *sid)
{
	size_t i;

	pthread_mutex_lock(&vm_mu);
	for (i = 0; i < VM_SLOTS; i++)
		if (vms[i].sid[0] == '\0') {
			snprintf(vms[i].sid, sizeof(vms[i].sid), "%s", sid);
			sbuf_free(&vms[i].text);
			sbuf_init(&vms[i].text);
			vms[i].last_us = 0;
			pthread_mutex_unlock(&vm_mu);
			return &vms[i];
		}
	pthread_mutex_unlock(&vm_mu);
	return NULL;
}

/* Send the audio to stt-worker and collect the finals; the text (malloc)
 * or NULL if nothing was recognised. */
static char *
vm_transcribe(const char *sid, const unsigned char *ulaw, size_t n)
{
	unsigned char buf[VM_RUN_FRAMES * FD_FRAME_SAMPLES];
	struct fd_pl_call_end ce = {.reason = "voicemail"};
	struct vm_words *w;
	struct fd_frame h;
	uint64_t t0, start, last;
	uint32_t next_ref = 1;
	size_t off = 0, k, tail = VM_TAIL_FRAMES * FD_FRAME_SAMPLES;
	char *text = NULL;

	if ((w = vm_slot(sid)) == NULL) {
		log_warnx(sid, "voicemail: %d transcriptions already running",
		    VM_SLOTS);
		return NULL;
	}
	memset(&h, 0, sizeof(h));
	h.type = FD_MSG_AUDIO_IN;
	h.flags = FD_F_REPLAY;
	snprintf(h.call_id, sizeof(h.call_id), "%s", sid);
	/* in a cluster, one stt-worker transcribes it */
	if (fd_cluster_on())
		fd_cluster_assign(&gw_bus, sid);
	t0 = fd_mono_us();
	/* frames numbered from 1, timed as if they had arrived live */
	while (off < n + tail && !fd_stop) {
		k = 0;
		while (k < sizeof(buf) && off < n + tail) {
			buf[k++] = off < n ? ulaw[off] : FD_ULAW_SILENCE;
			off++;
		}
		while (k % FD_FRAME_SAMPLES)
			buf[k++] = FD_ULAW_SILENCE;
		h.ref = next_ref;
		next_ref += (uint32_t)(k / FD_FRAME_SAMPLES);
		h.ts_us = t0 + (uint64_t)(h.ref - 1) * 20000;
		fd_bus_publish_hdr(&gw_bus, &h, buf, k);
		fd_sleep_us(VM_RUN_PAUSE_US);
	}
	start = fd_mono_us();
	for (;;) {
		pthread_mutex_lock(&vm_mu);
		last = w->last_us;
		pthread_mutex_unlock(&vm_mu);
		if (fd_stop ||
		    fd_mono_us() - (last > start ? last : start) >
		        VM_QUIET_US ||
		    fd_mono_us() - start > VM_WAIT_MAX_US)
			break;
		fd_sleep_us(100000);
	}
	fd_bus_publish_pl(&gw_bus, FD_MSG_CALL_END, sid, 0, &ce);
	fd_cluster_release(sid);
	pthread_mutex_lock(&vm_mu);
	if (w->text.len && !w->text.err)
		text = strndup(w->text.p, w->text.len);
	sbuf_free(&w->text);
	sbuf_init(&w->text);
	w->sid[0] = '\0';
	pthread_mutex_unlock(&vm_mu);
	return text;
}

static int
vm_tool(const char *sid, const char *tool, json_t *args)
{
	json_t *rep = NULL;
	int rv;

	rv = fd_rpc_tool(&gw_crm, sid, tool, args, NULL, &rep, 5000);
	if (rv != 0 || !json_is_true(json_object_get(rep, "ok"))) {
		log_warnx(sid, "voicemail: %s: %s", tool, rv ?
		    nng_strerror(rv) : json_string_value(json_object_get(rep,
		    "error")) ?: "?");
		json_decref(rep);
		return -1;
	}
	json_decref(rep);
	return 0;
}

/* Fetch, transcribe, record: the call, its one caller turn, a message
 * for the team with a callback job, the outcome. */
static void
vm_run(struct workq_job *j)
{
	struct vm_job *v = (struct vm_job *)j;
	struct sbuf body, msg;
	unsigned char *ulaw = NULL;
	char err[256], key[96], *text = NULL;
	size_t n = 0;

	sbuf_init(&body);
	sbuf_init(&msg);
	if (vm_fetch(v, &body, err, sizeof(err)) != 0 ||
	    fall_wav_ulaw((unsigned char *)body.p, body.len, &ulaw, &n, err,
	        sizeof(err)) != 0)
		log_err(v->sid, "voicemail %s: %s; the message says so",
		    v->rec_sid, err);
	else {
		text = vm_transcribe(v->sid, ulaw, n);
		log_info(v->sid, "voicemail %s transcribed (%.1f s): \"%s\"",
		    v->rec_sid, (double)n / 8000.0, text ? text : "");
	}
	if (text && text[0])
		sbuf_printf(&msg, "Voicemail: %s", text);
	else
		sbuf_printf(&msg,
		    "Voicemail of %ld s, no words recognised "
		    "(recording %s at the carrier)",
		    v->duration_s, v->rec_sid);
	snprintf(key, sizeof(key), "voicemail-%s", v->rec_sid);
	vm_tool(v->sid, "call_begin",
	    json_pack("{s:s, s:s, s:s}", "from", v->from, "to", v->to,
	        "direction", "inbound"));
	if (text && text[0])
		vm_tool(v->sid, "log_turn",
		    json_pack("{s:s, s:s}", "role", "caller", "text", text));
	if (msg.p &&
	    vm_tool(v->sid, "take_message",
	        json_pack("{s:s, s:s, "
	                  "s:s?, s:s, s:s, s:b}",
	            "name", "voicemail caller", "callback_number",
	            v->from[0] ? v->from : NULL, "message", msg.p, "urgency",
	            "normal", "idempotency_key", key, "call_back", 1)) == 0)
		log_info(v->sid,
		    "voicemail %s: message and callback job "
		    "recorded",
		    v->rec_sid);
	vm_tool(v->sid, "log_call_outcome",
	    json_pack("{s:s, s:s}", "outcome", "message_taken", "notes",
	        msg.p ? msg.p : "voicemail"));
	vm_tool(v->sid, "call_end", json_pack("{s:s}", "reason", "voicemail"));
	free(text);
	free(ulaw);
	sbuf_free(&body);
	sbuf_free(&msg);
	free(v);
}
