/* Labelled prefix lists: user-supplied files that name the networks of known
 * scanners (research projects, search engines), one entry per line:
 *
 *     # comment
 *     198.51.100.0/24   shodan
 *     2001:db8:5::/48   censys     # a comment may follow an entry
 *     192.0.2.7         example    (a bare address is a host prefix)
 *
 * An address maps to the label of the longest prefix that contains it. After
 * tt_prefix_list_finish the prefixes are flattened into sorted, disjoint
 * ranges (IPv4 as 32-bit integers, everything as 128-bit integers), so a
 * lookup is one binary search whatever the nesting.
 *
 * Addresses live in teiten's 16-byte space (IPv4 is ::ffff:a.b.c.d): an IPv6
 * prefix that covers ::ffff:0:0/96, such as ::/0, also covers IPv4.
 *
 * Not thread-safe while being built; a finished list is read-only and may be
 * looked up from several threads. */
#ifndef TT_CLASSIFY_PREFIX_LIST_H
#define TT_CLASSIFY_PREFIX_LIST_H

#include <stddef.h>

#include "util/addr.h"
#include "util/status.h"

/* Prefixes in one list, over all files (a ~tens of MB bound). */
#define TT_PREFIX_LIST_MAX_PREFIXES ((size_t)1 << 22)
/* Distinct labels in one list. */
#define TT_PREFIX_LIST_MAX_LABELS 65536
/* Longest label in bytes; labels are printable ASCII without spaces or '#'. */
#define TT_PREFIX_LIST_MAX_LABEL 63
/* Largest file tt_prefix_list_add_file reads. */
#define TT_PREFIX_LIST_MAX_FILE ((size_t)256 << 20)
/* Longest line accepted (the configuration files' bound). */
#define TT_PREFIX_LIST_MAX_LINE 4096

typedef struct tt_prefix_list tt_prefix_list;

/* NULL when out of memory. */
tt_prefix_list *tt_prefix_list_new(void);
void tt_prefix_list_free(tt_prefix_list *list); /* accepts NULL and unfinished lists */

/* Adds every entry of a file; name is used in messages ("FILE:LINE: ..."). On
 * error nothing of that file is kept and err says which line is wrong. */
TT_MUST_CHECK tt_status tt_prefix_list_add_file(tt_prefix_list *list, const char *path, char *err,
                                                size_t errlen);
/* The same for text in memory (len bytes, need not be NUL-terminated). */
TT_MUST_CHECK tt_status tt_prefix_list_add_text(tt_prefix_list *list, const char *text, size_t len,
                                                const char *name, char *err, size_t errlen);
/* One prefix (host bits are ignored) with its label. */
TT_MUST_CHECK tt_status tt_prefix_list_add(tt_prefix_list *list, const tt_prefix *prefix, const char *label);

/* Call once after the last add. The same prefix given twice with the same
 * label counts once; with two different labels it is an error naming both
 * places. Adding after finish fails with TT_ERR_USAGE; after a failed finish
 * the list can only be freed. */
TT_MUST_CHECK tt_status tt_prefix_list_finish(tt_prefix_list *list, char *err, size_t errlen);

/* Label index of the longest prefix holding addr, or -1 (also before finish). */
int tt_prefix_list_lookup(const tt_prefix_list *list, const tt_addr *addr);
/* Label text of an index (owned by the list), or NULL when out of range. */
const char *tt_prefix_list_label(const tt_prefix_list *list, int index);
/* Distinct labels, and distinct prefixes (after finish: duplicates removed). */
size_t tt_prefix_list_label_count(const tt_prefix_list *list);
size_t tt_prefix_list_count(const tt_prefix_list *list);

#endif
