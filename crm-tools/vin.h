/*
 * vin.h - offline VIN checks (protocols.md section 11): the ISO 3779 / 49 CFR
 * 565 check digit, the model year from position 10, and the manufacturer
 * from the WMI (first three characters).  Pure functions, no I/O.
 */
#ifndef CRM_VIN_H
#define CRM_VIN_H

struct vin_info {
	char vin[18]; /* upper-cased */
	int valid_chars; /* 17 chars, none of I O Q */
	int check_ok; /* position 9 matches */
	char check_expected; /* '0'..'9' or 'X' */
	int year; /* 0 if position 10 is not a year code */
	char wmi[4];
	const char *manufacturer; /* NULL if unknown */
	const char *region; /* from the first character */
};

/* Transliterated value of a VIN character, -1 if not allowed. */
int vin_value(char ch);
/* Expected check character of a 17-char VIN ('?' if it has a bad char). */
char vin_check_char(const char *vin);
/* Model year for a year code; pos7 is VIN position 7 (decides the cycle). */
int vin_model_year(char code, char pos7);
/* Fill *vi from s (any case, surrounding spaces ignored).  Returns 0 if the
 * VIN is well formed and its check digit is right, -1 otherwise. */
int vin_decode(const char *s, struct vin_info *vi);

#endif
