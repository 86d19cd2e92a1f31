/* Service names for destination ports (IANA registry names). The registered
 * name says what the port is assigned to, not what the packets carried. */
#ifndef TT_CLASSIFY_SERVICES_H
#define TT_CLASSIFY_SERVICES_H

#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

/* The host's table, for users who want it as an explicit path. */
#define TT_SERVICES_DEFAULT_PATH "/etc/services"

typedef struct tt_services tt_services;

/* Loads a services(5)-format file; path NULL = the IANA registry compiled into
 * teiten (data/services.txt, tcp and udp). A missing file gives an empty
 * table (names are a convenience, not data). */
TT_MUST_CHECK tt_status tt_services_load(const char *path, tt_services **out, char *err, size_t errlen);
/* Parses services(5) text (used by tests and the fuzzer). */
TT_MUST_CHECK tt_status tt_services_parse(const char *text, size_t len, tt_services **out);
void tt_services_free(tt_services *services); /* accepts NULL */

/* Name for proto/port, or NULL. ICMP gets "icmp"/"ipv6-icmp". */
const char *tt_services_name(const tt_services *services, uint8_t proto, int32_t port);
size_t tt_services_count(const tt_services *services);

#endif
