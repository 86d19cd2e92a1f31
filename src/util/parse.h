/* Checked parsing of numbers, dates and port keys from text (no atoi). */
#ifndef TT_UTIL_PARSE_H
#define TT_UTIL_PARSE_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

/* Whole string must be a decimal number <= max. */
bool tt_parse_u64(const char *text, uint64_t max, uint64_t *out);
/* "YYYY-MM-DD" → days since 1970-01-01 (civil calendar). */
bool tt_parse_date(const char *text, int32_t *days_out);
/* days since epoch → "YYYY-MM-DD" in buf (at least 11 bytes). */
const char *tt_format_date(int32_t days, char *buf, size_t len);
/* Civil date ↔ days since epoch. */
int32_t tt_days_from_civil(int year, unsigned month, unsigned day);
void tt_civil_from_days(int32_t days, int *year, unsigned *month, unsigned *day);

/* IP protocol numbers with a name teiten prints. */
const char *tt_proto_name(uint8_t proto); /* "tcp", "udp", "icmp", "icmp6", or NULL */
/* "tcp"/"udp"/"icmp"/"icmp6" (any case) or a number 0..255. */
bool tt_parse_proto(const char *text, uint8_t *proto);
/* "23/tcp", "0/icmp", "9600/TCP": port and protocol. */
bool tt_parse_port_key(const char *text, int32_t *port, uint8_t *proto);

/* Value of a hexadecimal digit, or -1. */
int tt_hex_digit(int c);

#endif
