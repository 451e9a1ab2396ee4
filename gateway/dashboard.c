/*
 * dashboard.c - gateway/dashboard.html linked into the binary as the NUL
 * terminated string gw_dashboard_html (served at GET /), so the page is
 * edited as plain HTML and never goes missing at run time.
 */
#include "gateway.h"

__asm__(
    "\t.section .rodata\n"
    "\t.global gw_dashboard_html\n"
    "\t.type gw_dashboard_html, @object\n"
    "gw_dashboard_html:\n"
    "\t.incbin \"gateway/dashboard.html\"\n"
    "\t.byte 0\n"
    "\t.size gw_dashboard_html, . - gw_dashboard_html\n"
    "\t.previous\n");
