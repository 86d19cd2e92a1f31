/* Sends batches and heartbeats to the collector over HTTPS (libcurl with
 * OpenSSL): POST /v1/batch and /v1/heartbeat, the body signed with the
 * sensor's key (ship/auth.h) in the X-Teiten-MAC header. The collector's
 * certificate is verified against a CA file (its own certificate when
 * self-signed). One connection is kept alive between requests. */
#ifndef TT_SHIP_SHIPPER_H
#define TT_SHIP_SHIPPER_H

#include <stddef.h>
#include <stdint.h>

#include "ship/auth.h"
#include "util/status.h"

typedef struct tt_shipper_options {
    const char *url;     /* https://HOST:PORT */
    const char *ca_file; /* PEM; NULL = the system's CAs */
    const char *sensor;
    tt_key key;
    long timeout_seconds; /* per request, 0 = 30 */
} tt_shipper_options;

typedef enum tt_ship_result {
    TT_SHIP_ACKED = 0,  /* committed by the collector */
    TT_SHIP_DUPLICATE,  /* the collector had it already: also safe to delete */
    TT_SHIP_REJECTED,   /* the collector says the batch is malformed: it will never be accepted */
    TT_SHIP_RETRY,      /* network error, refused credential, collector busy or failing: try later */
} tt_ship_result;

typedef struct tt_shipper tt_shipper;

TT_MUST_CHECK tt_status tt_shipper_new(const tt_shipper_options *opt, tt_shipper **out, char *err, size_t errlen);
void tt_shipper_free(tt_shipper *shipper); /* accepts NULL */

/* path: "/v1/batch" or "/v1/heartbeat". message: the collector's answer or the error. */
tt_ship_result tt_shipper_post(tt_shipper *shipper, const char *path, const void *body, size_t len, char *message,
                               size_t msglen);

/* HTTP bytes sent so far (request headers and bodies, before TLS). */
uint64_t tt_shipper_bytes_sent(const tt_shipper *shipper);

#endif
