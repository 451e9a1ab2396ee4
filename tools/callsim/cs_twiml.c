/*
 * cs_twiml.c - a small, tolerant reader for the TwiML subset callsim acts on.
 * It scans tags rather than building a tree: the documents are a few
 * hundred bytes and only <Stream>, <Parameter>, <Dial>, <Number>, <Gather>,
 * <Say>, <Record> and <Hangup> matter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cs_twiml.h"

static char *attr(const char *tag, size_t taglen, const char *name);
static const char *find_tag(const char *s, const char *name, size_t *len);
static void say_texts(const char *body, struct twiml *t);

int
twiml_parse(const char *body, struct twiml *t, char *err, size_t errlen)
{
	const char *p, *q, *end;
	size_t len;
	struct fd_kv *nkv;

	memset(t, 0, sizeof(*t));
	if (body == NULL || find_tag(body, "Response", &len) == NULL) {
		snprintf(err, errlen, "not a TwiML <Response> document");
		return -1;
	}
	if ((p = find_tag(body, "Stream", &len)) != NULL)
		t->stream_url = attr(p, len, "url");
	for (p = body; (q = find_tag(p, "Parameter", &len)) != NULL;
	     p = q + len) {
		char *k = attr(q, len, "name"), *v = attr(q, len, "value");
		if (k == NULL ||
		    (nkv = realloc(t->params.kv,
		         (t->params.n + 1) * sizeof(*nkv))) == NULL) {
			free(k);
			free(v);
			continue;
		}
		t->params.kv = nkv;
		nkv[t->params.n].key = k;
		nkv[t->params.n].val = v ? v : strdup("");
		t->params.n++;
	}
	if ((p = find_tag(body, "Dial", &len)) != NULL && p[len - 2] != '/' &&
	    (end = strstr(p + len, "</Dial>")) != NULL) {
		/* number either as text or inside <Number> */
		const char *n0 = p + len, *nt;
		size_t nl;
		if ((nt = find_tag(n0, "Number", &nl)) != NULL && nt < end)
			n0 = nt + nl;
		q = n0;
		while (q < end && *q != '<')
			q++;
		while (n0 < q && (*n0 == ' ' || *n0 == '\n' || *n0 == '\t'))
			n0++;
		if ((t->dial = strndup(n0, (size_t)(q - n0))) != NULL)
			xml_unescape(t->dial);
	}
	if ((p = find_tag(body, "Dial", &len)) != NULL) {
		char *v = attr(p, len, "timeout");

		t->dial_action = attr(p, len, "action");
		t->dial_timeout_s = v ? atoi(v) : 30;
		free(v);
	}
	if ((p = find_tag(body, "Number", &len)) != NULL)
		t->number_url = attr(p, len, "url");
	if ((p = find_tag(body, "Gather", &len)) != NULL)
		t->gather_action = attr(p, len, "action");
	if ((p = find_tag(body, "Record", &len)) != NULL) {
		char *v = attr(p, len, "maxLength");

		t->record = 1;
		t->record_action = attr(p, len, "action");
		t->record_cb = attr(p, len, "recordingStatusCallback");
		t->record_max_s = v ? atoi(v) : 3600;
		free(v);
	}
	say_texts(body, t);
	t->hangup = find_tag(body, "Hangup", &len) != NULL;
	return 0;
}

/* Every <Say>text</Say>, unescaped and joined. */
static void
say_texts(const char *body, struct twiml *t)
{
	const char *p, *end;
	size_t len, have = 0, n;
	char *s;

	for (p = body; (p = find_tag(p, "Say", &len)) != NULL; p = end) {
		p += len;
		if ((end = strstr(p, "</Say>")) == NULL)
			break;
		n = (size_t)(end - p);
		if ((s = realloc(t->say, have + n + 2)) == NULL)
			break;
		t->say = s;
		if (have)
			s[have++] = ' ';
		memcpy(s + have, p, n);
		have += n;
		s[have] = '\0';
	}
	if (t->say)
		xml_unescape(t->say);
}

void
twiml_free(struct twiml *t)
{
	free(t->stream_url);
	free(t->dial);
	free(t->dial_action);
	free(t->number_url);
	free(t->gather_action);
	free(t->say);
	free(t->record_action);
	free(t->record_cb);
	fd_form_free(&t->params);
	memset(t, 0, sizeof(*t));
}

void
xml_unescape(char *s)
{
	static const struct {
		const char *ent;
		char c;
	} ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'},
	    {"&quot;", '"'}, {"&apos;", '\''}};
	char *r = s, *w = s;
	size_t i;

	while (*r) {
		if (*r == '&') {
			for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
				size_t l = strlen(ents[i].ent);
				if (strncmp(r, ents[i].ent, l) == 0) {
					*w++ = ents[i].c;
					r += l;
					break;
				}
			}
			if (i < sizeof(ents) / sizeof(ents[0]))
				continue;
			if (r[1] == '#') {
				char *e;
				long v = r[2] == 'x' ? strtol(r + 3, &e, 16)
				                     : strtol(r + 2, &e, 10);
				if (*e == ';' && v > 0 && v < 128) {
					*w++ = (char)v;
					r = e + 1;
					continue;
				}
			}
		}
		*w++ = *r++;
	}
	*w = '\0';
}

/* Start of the opening tag <name ...> or <name/>; *len covers up to '>'. */
static const char *
find_tag(const char *s, const char *name, size_t *len)
{
	size_t nl = strlen(name);
	const char *p, *gt;

	for (p = strchr(s, '<'); p; p = strchr(p + 1, '<')) {
		if (strncmp(p + 1, name, nl) == 0 &&
		    (p[nl + 1] == '>' || p[nl + 1] == ' ' || p[nl + 1] == '/' ||
		        p[nl + 1] == '\t' || p[nl + 1] == '\n' ||
		        p[nl + 1] == '\r')) {
			if ((gt = strchr(p, '>')) == NULL)
				return NULL;
			*len = (size_t)(gt - p) + 1;
			return p;
		}
	}
	return NULL;
}

static char *
attr(const char *tag, size_t taglen, const char *name)
{
	size_t nl = strlen(name);
	const char *p, *end = tag + taglen, *v;
	char quote, *out;

	/* an attribute name follows whitespace inside the tag */
	for (p = tag + 1; p + nl < end; p++) {
		if ((p[-1] != ' ' && p[-1] != '\t' && p[-1] != '\n') ||
		    strncasecmp(p, name, nl) != 0)
			continue;
		v = p + nl;
		while (v < end && *v == ' ')
			v++;
		if (v >= end || *v != '=')
			continue;
		v++;
		while (v < end && *v == ' ')
			v++;
		if (v >= end || (*v != '"' && *v != '\''))
			continue;
		quote = *v++;
		p = v;
		while (p < end && *p != quote)
			p++;
		if (p >= end)
			return NULL;
		if ((out = strndup(v, (size_t)(p - v))) != NULL)
			xml_unescape(out);
		return out;
	}
	return NULL;
}
