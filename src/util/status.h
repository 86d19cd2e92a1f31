/* One status convention for fallible functions across teiten. */
#ifndef TT_UTIL_STATUS_H
#define TT_UTIL_STATUS_H

typedef enum tt_status {
    TT_OK = 0,
    TT_ERR_NOMEM,       /* allocation failed or a configured bound was hit */
    TT_ERR_IO,          /* read/write/open failure; errno-style detail in the message */
    TT_ERR_FORMAT,      /* outside data is malformed */
    TT_ERR_TRUNCATED,   /* outside data ends early */
    TT_ERR_UNSUPPORTED, /* valid but not handled (e.g. a link type) */
    TT_ERR_DB,          /* the store reported an error */
    TT_ERR_USAGE,       /* bad command line or configuration value */
    TT_ERR_NOTFOUND,    /* asked-for item does not exist */
    TT_ERR_DUPLICATE,   /* input already ingested */
    TT_ERR_INTERRUPTED, /* stopped by a signal */
} tt_status;

#define TT_MUST_CHECK __attribute__((warn_unused_result))

const char *tt_strerror(tt_status status);

#endif
