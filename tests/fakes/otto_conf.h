/*
 * otto_conf.h - Otto's Auto, the business the agent's unit tests answer
 * for, as libconfig text: OTTO_HOURS is its opening hours, OTTO_HEAD the
 * business section up to them (name, address, numbers, hours).  A test
 * goes on with its own holidays and services and closes the section.
 */
#ifndef FD_TESTS_OTTO_CONF_H
#define FD_TESTS_OTTO_CONF_H

#define OTTO_HOURS                                                             \
	"  hours = { mon = \"08:00-18:00\"; tue = \"08:00-18:00\";\n"          \
	"    wed = \"08:00-18:00\"; thu = \"08:00-18:00\"; fri = "             \
	"\"08:00-18:00\";\n"                                                   \
	"    sat = \"09:00-13:00\"; sun = \"closed\"; };\n"

#define OTTO_HEAD                                                              \
	"business: {\n"                                                        \
	"  name = \"Otto's Auto\"; persona = \"Ava\";\n"                       \
	"  address = \"1200 Main Street, Springfield\";\n"                     \
	"  phone = \"+15555550100\";\n"                                        \
	"  transfer_number = \"+15555550111\";\n" OTTO_HOURS

#endif
