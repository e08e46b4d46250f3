/*
 * ticket: eight-digit ticket numbers, the last digit a Damm check digit.
 * Random (not sequential) so that numbers cannot be walked; the first digit
 * is never 0 so that a number read aloud or typed keeps its eight digits.
 */
#ifndef ADUAN_TICKET_H
#define ADUAN_TICKET_H

#include <stddef.h>

#define TICKET_DIGITS 8

/* Damm check digit (0..9) of a string of decimal digits. */
int ticket_damm(const char *digits, size_t n);

/* 1 when the 8 digits of t carry a valid check digit. */
int ticket_valid(const char *t);

/* Writes a fresh random ticket number (8 digits + NUL) into out[9]. 0 / -1. */
int ticket_new(char out[TICKET_DIGITS + 1]);

enum ticket_read {
	TICKET_READ_OK,         /* 8 digits, check digit right */
	TICKET_READ_MISTYPED,   /* 8 digits, check digit wrong */
	TICKET_READ_MALFORMED,  /* digits, but not 8 of them */
	TICKET_READ_NONE        /* no digits where the number should be */
};

/*
 * Reads a ticket number at the start of s[0..len) as a citizen types it:
 * an optional leading '#', then digit groups separated by single spaces or
 * dashes ("48219307", "4821 9307", "4821-9307", "#48219307").  Stops after
 * 8 digits, or before a group that would make more than 8.  Writes the
 * digits read (at most 8, NUL-terminated) to out, and the number of bytes
 * consumed to *used.
 */
enum ticket_read ticket_read(const char *s, size_t len, char out[TICKET_DIGITS + 1],
    size_t *used);

#endif
