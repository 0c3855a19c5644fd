/* Internal: turning the raw bytes of a letter (pdftotext output, any
 * encoding, with page noise) into clean UTF-8 text, and small text helpers
 * the parser shares. Not part of the public API. */
#ifndef IMR_TEXT_H
#define IMR_TEXT_H
#include <stddef.h>

#define IMR_TEXT_MAX (16u * 1024u * 1024u)  /* bytes of input looked at */

/* Cleans LEN bytes of DATA: valid UTF-8 is kept, other bytes are read as
 * Windows-1252; NUL and control bytes are dropped; CRLF/CR become LF; form
 * feeds, "Page N of M" lines and repeated case-number headers are removed;
 * double-spaced text (every line followed by a blank line) is undone;
 * trailing blanks are trimmed and runs of blank lines become one; a word
 * broken across lines is joined ("Over-\nturned" -> "Overturned",
 * "30-\n34" -> "30-34"). Only the first IMR_TEXT_MAX bytes are read;
 * *TRUNCATED says whether more were given. On success *OUT is a new
 * string (free()) and IMR_OK is returned; IMR_ENOMEM otherwise (*OUT =
 * NULL). */
int Imr_text_clean(const char *data, size_t len, char **out,
                   int *truncated);

/* Returns 1 if the LEN bytes at S hold a NUL-free, mostly printable text,
 * 0 if they look binary. */
int Imr_text_looks_binary(const char *s, size_t len);

/* Case-insensitive search for the ASCII string NEEDLE in the N bytes at
 * HAY; returns a pointer to the first match or NULL. */
const char *Imr_text_find(const char *hay, size_t n, const char *needle);

/* Like Imr_text_find, but each space in NEEDLE matches any run of white
 * space (newlines included) in HAY, so a label wrapped over a line break
 * ("MAXIMUS\nguideline:") is still found. *MLEN gets the length of the
 * match in HAY. */
const char *Imr_text_find_ws(const char *hay, size_t n, const char *needle,
                             size_t *mlen);

/* Copies N bytes at S into a new string with every run of white space
 * (newlines included) replaced by one space and the ends trimmed. Returns
 * NULL on OOM (free() the result). */
char *Imr_text_flatten(const char *s, size_t n);

#endif
