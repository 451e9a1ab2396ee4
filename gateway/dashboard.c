/*
 * dashboard.c - the dashboard's files linked into the gateway's read-only
 * data: the page, its script and stylesheet (gateway/web/) and the chart
 * library the build installs from npm (GW_WEB_VENDOR, under the build
 * directory).  http.c serves them from here without copying, so a page
 * load costs no memory and the files never go missing at run time.
 */
#include <string.h>

#include "gateway.h"

/* sym: the file's bytes; sym_end: just past them (a NUL follows). */
#define GW_EMBED(sym, file)                                                    \
	__asm__("\t.section .rodata\n"                                         \
	        "\t.balign 16\n"                                               \
	        "\t.global " #sym "\n"                                         \
	        "\t.type " #sym ", @object\n" #sym ":\n"                       \
	        "\t.incbin \"" file "\"\n"                                     \
	        "\t.global " #sym "_end\n" #sym "_end:\n"                      \
	        "\t.byte 0\n"                                                  \
	        "\t.previous\n")

#ifndef GW_WEB_VENDOR
#error "GW_WEB_VENDOR: the chart library's path (gateway/module.mk sets it)"
#endif

GW_EMBED(gw_web_index, "gateway/web/index.html");
GW_EMBED(gw_web_app_js, "gateway/web/app.js");
GW_EMBED(gw_web_app_css, "gateway/web/app.css");
GW_EMBED(gw_web_chart_js, GW_WEB_VENDOR);

extern const char gw_web_index[], gw_web_index_end[];
extern const char gw_web_app_js[], gw_web_app_js_end[];
extern const char gw_web_app_css[], gw_web_app_css_end[];
extern const char gw_web_chart_js[], gw_web_chart_js_end[];

static const struct {
	const char *path;
	const char *ctype;
	const char *start, *end;
} assets[] = {
    {"/", "text/html; charset=utf-8", gw_web_index, gw_web_index_end},
    {"/index.html", "text/html; charset=utf-8", gw_web_index, gw_web_index_end},
    {"/static/app.js", "text/javascript; charset=utf-8", gw_web_app_js,
        gw_web_app_js_end},
    {"/static/app.css", "text/css; charset=utf-8", gw_web_app_css,
        gw_web_app_css_end},
    {"/static/chart.umd.min.js", "text/javascript; charset=utf-8",
        gw_web_chart_js, gw_web_chart_js_end},
};

int
dashboard_file(const char *path, struct dashboard_file *f)
{
	size_t i;

	for (i = 0; i < sizeof(assets) / sizeof(assets[0]); i++)
		if (strcmp(path, assets[i].path) == 0) {
			f->ctype = assets[i].ctype;
			f->body = assets[i].start;
			f->len = (size_t)(assets[i].end - assets[i].start);
			return 0;
		}
	return -1;
}

int
dashboard_path(const char *path)
{
	return strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0 ||
	    strncmp(path, "/static/", 8) == 0;
}
