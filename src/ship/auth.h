/* Per-sensor shared keys and the HMAC-SHA256 (OpenSSL) that authenticates
 * everything a sensor sends: the collector recomputes it over the request
 * body with the key it holds for that sensor. Keys are 32 random bytes
 * written as 64 hex digits (e.g. `openssl rand -hex 32`). */
#ifndef TT_SHIP_AUTH_H
#define TT_SHIP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TT_KEY_BYTES 32
#define TT_MAC_HEX 65 /* 64 hex digits + NUL */

typedef struct tt_key {
    uint8_t bytes[TT_KEY_BYTES];
} tt_key;

/* Parses 64 hex digits; false on anything else. */
bool tt_key_parse(const char *hex, tt_key *key);
/* The MAC of data as lowercase hex. */
void tt_mac_hex(const tt_key *key, const void *data, size_t len, char out[TT_MAC_HEX]);
/* Constant-time comparison of a received hex MAC with the expected one. */
bool tt_mac_verify(const tt_key *key, const void *data, size_t len, const char *hex);

#endif
