/* HMAC-SHA256 over request bodies (see auth.h). */
#include "ship/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "util/parse.h"

bool tt_key_parse(const char *hex, tt_key *key)
{
    if (strlen(hex) != 2 * TT_KEY_BYTES)
        return false;
    for (size_t i = 0; i < TT_KEY_BYTES; i++) {
        int hi = tt_hex_digit(hex[2 * i]), lo = tt_hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        key->bytes[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

void tt_mac_hex(const tt_key *key, const void *data, size_t len, char out[TT_MAC_HEX])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    static const unsigned char empty;
    if (HMAC(EVP_sha256(), key->bytes, TT_KEY_BYTES, len ? data : &empty, len, mac, &mac_len) == NULL ||
        mac_len < 32)
        memset(mac, 0, sizeof mac); /* never matches a real MAC */
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = digits[mac[i] >> 4];
        out[2 * i + 1] = digits[mac[i] & 15];
    }
    out[64] = '\0';
}

bool tt_mac_verify(const tt_key *key, const void *data, size_t len, const char *hex)
{
    if (hex == NULL || strlen(hex) != 64)
        return false;
    char expected[TT_MAC_HEX], got[TT_MAC_HEX];
    tt_mac_hex(key, data, len, expected);
    for (int i = 0; i < 64; i++)
        got[i] = (char)(hex[i] >= 'A' && hex[i] <= 'F' ? hex[i] - 'A' + 'a' : hex[i]);
    got[64] = '\0';
    return CRYPTO_memcmp(expected, got, 64) == 0;
}
