/*
 * pii: personal numbers hidden in free text before anyone outside the
 * agencies reads it (Open311).  Pure: no state, no allocation but the
 * result.
 *
 * A "number run" is a sequence of digits in any script (ASCII, full-width
 * ０-９, Arabic-Indic, ...) that separators may split: spaces of any kind,
 * - . / _ ( ) and their full-width forms, at most a few in a row; a '+'
 * or '(' right before its first digit belongs to it.  Letters around it
 * do not matter: "hubungi0812345678" holds one.  A run is masked when it
 * reads as a phone or an identity number:
 *   - 10 or more digits (phone numbers of every form, NIK and KK numbers
 *     of 16, account numbers), unless it is written as an amount
 *     ("125.000.000.000": groups of three after a first group of 1 to 3
 *     digits that does not start with 0, split by single dots);
 *   - 9 digits starting with 0, 8 or 62, or after a '+' (a short landline
 *     or a mobile number written without its leading 0);
 *   - 8 digits after a '+'.
 * Kept as they are: ticket numbers (8 digits, also as "4821 9303"), RT/RW
 * numbers, years, house numbers, dates, counts.
 *
 * The reporter's own number is hidden in whatever form it was typed: when
 * its last 9 digits appear in the text's digits read in order, separators,
 * letters and all ignored, the span from the first of those digits to the
 * last is masked too.
 */
#ifndef ADUAN_PII_H
#define ADUAN_PII_H

#define PII_MASK "***"

/*
 * A copy of the UTF-8 text with every run described above replaced by
 * PII_MASK.  reporter: the reporter's number (E.164 or any form), or NULL.
 * NULL text gives NULL.  The result is on the heap; the caller frees it.
 */
char *pii_mask(const char *text, const char *reporter);

#endif
