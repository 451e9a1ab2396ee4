/*
 * vin.c - VIN check digit, model year and manufacturer lookup, offline.
 * The WMI table covers the makes a US service shop sees most; anything else
 * decodes as "unknown manufacturer" with the check digit still verified.
 */
#include <ctype.h>
#include <string.h>

#include "strmap.h"
#include "vin.h"

/* world manufacturer identifier -> make */
static const struct fd_strmap wmis[] = {
    {"1HG", "Honda"},
    {"2HG", "Honda"},
    {"JHM", "Honda"},
    {"5FN", "Honda"},
    {"5J6", "Honda"},
    {"19X", "Honda"},
    {"19U", "Acura"},
    {"JH4", "Acura"},
    {"4T1", "Toyota"},
    {"4T3", "Toyota"},
    {"5TD", "Toyota"},
    {"5TF", "Toyota"},
    {"JTD", "Toyota"},
    {"JTE", "Toyota"},
    {"JTN", "Toyota"},
    {"2T1", "Toyota"},
    {"JTH", "Lexus"},
    {"1FA", "Ford"},
    {"1FM", "Ford"},
    {"1FT", "Ford"},
    {"1FD", "Ford"},
    {"3FA", "Ford"},
    {"2FM", "Ford"},
    {"1LN", "Lincoln"},
    {"1G1", "Chevrolet"},
    {"1GC", "Chevrolet"},
    {"3GC", "Chevrolet"},
    {"2G1", "Chevrolet"},
    {"1GN", "Chevrolet"},
    {"3GN", "Chevrolet"},
    {"1GT", "GMC"},
    {"3GT", "GMC"},
    {"1GK", "GMC"},
    {"1G6", "Cadillac"},
    {"1GY", "Cadillac"},
    {"1G4", "Buick"},
    {"1C4", "Jeep"},
    {"1J4", "Jeep"},
    {"1C6", "Ram"},
    {"3C6", "Ram"},
    {"2C3", "Chrysler"},
    {"1C3", "Chrysler"},
    {"2C4", "Chrysler"},
    {"1B3", "Dodge"},
    {"2B3", "Dodge"},
    {"3D7", "Dodge"},
    {"5YJ", "Tesla"},
    {"7SA", "Tesla"},
    {"1N4", "Nissan"},
    {"1N6", "Nissan"},
    {"3N1", "Nissan"},
    {"5N1", "Nissan"},
    {"JN1", "Nissan"},
    {"JN8", "Nissan"},
    {"4S3", "Subaru"},
    {"4S4", "Subaru"},
    {"JF1", "Subaru"},
    {"JF2", "Subaru"},
    {"5UX", "BMW"},
    {"WBA", "BMW"},
    {"WBS", "BMW"},
    {"WBX", "BMW"},
    {"WDD", "Mercedes-Benz"},
    {"WDC", "Mercedes-Benz"},
    {"4JG", "Mercedes-Benz"},
    {"W1K", "Mercedes-Benz"},
    {"WAU", "Audi"},
    {"WA1", "Audi"},
    {"WVW", "Volkswagen"},
    {"3VW", "Volkswagen"},
    {"1VW", "Volkswagen"},
    {"WVG", "Volkswagen"},
    {"WP0", "Porsche"},
    {"WP1", "Porsche"},
    {"5NP", "Hyundai"},
    {"KMH", "Hyundai"},
    {"5NM", "Hyundai"},
    {"KNA", "Kia"},
    {"KND", "Kia"},
    {"5XY", "Kia"},
    {"5XX", "Kia"},
    {"JM1", "Mazda"},
    {"JM3", "Mazda"},
    {"3MZ", "Mazda"},
    {"JA3", "Mitsubishi"},
    {"JA4", "Mitsubishi"},
    {"YV1", "Volvo"},
    {"YV4", "Volvo"},
    {"SAL", "Land Rover"},
    {"SAJ", "Jaguar"},
    {"ZFA", "Fiat"},
    {"ZAR", "Alfa Romeo"},
};

static const char weights[17] = {
    8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2};

int
vin_value(char ch)
{
	/* A..Z transliteration; 0 marks I, O, Q which a VIN never uses */
	static const char letters[26] = {1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3, 4,
	    5, 0, 7, 0, 9, 2, 3, 4, 5, 6, 7, 8, 9};

	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'A' && ch <= 'Z' && letters[ch - 'A'] != 0)
		return letters[ch - 'A'];
	return -1;
}

char
vin_check_char(const char *vin)
{
	int i, v, sum = 0;

	for (i = 0; i < 17; i++) {
		if ((v = vin_value(vin[i])) < 0)
			return '?';
		sum += v * weights[i];
	}
	sum %= 11;
	return sum == 10 ? 'X' : (char)('0' + sum);
}

int
vin_model_year(char code, char pos7)
{
	static const char codes[] = "ABCDEFGHJKLMNPRSTVWXY123456789";
	const char *p;
	int y;

	if (code == '\0' || (p = strchr(codes, code)) == NULL)
		return 0;
	y = 1980 + (int)(p - codes);
	/* letters at position 7 mark the 2010..2039 cycle (light vehicles) */
	if (isalpha((unsigned char)pos7))
		y += 30;
	return y;
}

static const char *
region_of(char c)
{
	if (c >= '1' && c <= '5')
		return "North America";
	if (c >= '6' && c <= '7')
		return "Oceania";
	if (c >= '8' && c <= '9')
		return "South America";
	if (c >= 'A' && c <= 'H')
		return "Africa";
	if (c >= 'J' && c <= 'R')
		return "Asia";
	if (c >= 'S' && c <= 'Z')
		return "Europe";
	return NULL;
}

int
vin_decode(const char *s, struct vin_info *vi)
{
	const char *make;
	size_t i, n;

	memset(vi, 0, sizeof(*vi));
	while (*s == ' ')
		s++;
	n = strlen(s);
	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (n != 17) {
		for (i = 0; i < n && i < 17; i++)
			vi->vin[i] = (char)toupper((unsigned char)s[i]);
		return -1;
	}
	for (i = 0; i < 17; i++)
		vi->vin[i] = (char)toupper((unsigned char)s[i]);
	vi->valid_chars = 1;
	for (i = 0; i < 17; i++)
		if (vin_value(vi->vin[i]) < 0)
			vi->valid_chars = 0;
	memcpy(vi->wmi, vi->vin, 3);
	vi->region = region_of(vi->vin[0]);
	if ((make = FD_STRMAP_GET(wmis, vi->wmi, 0)) != NULL)
		vi->manufacturer = make;
	if (!vi->valid_chars)
		return -1;
	vi->check_expected = vin_check_char(vi->vin);
	vi->check_ok = vi->check_expected == vi->vin[8];
	vi->year = vin_model_year(vi->vin[9], vi->vin[6]);
	return vi->check_ok ? 0 : -1;
}
