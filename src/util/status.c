/* Text for tt_status values. */
#include "util/status.h"

const char *tt_strerror(tt_status status)
{
    switch (status) {
    case TT_OK: return "success";
    case TT_ERR_NOMEM: return "out of memory or limit reached";
    case TT_ERR_IO: return "input/output error";
    case TT_ERR_FORMAT: return "malformed input";
    case TT_ERR_TRUNCATED: return "truncated input";
    case TT_ERR_UNSUPPORTED: return "unsupported input";
    case TT_ERR_DB: return "database error";
    case TT_ERR_USAGE: return "invalid usage";
    case TT_ERR_NOTFOUND: return "not found";
    case TT_ERR_DUPLICATE: return "already ingested";
    case TT_ERR_INTERRUPTED: return "interrupted";
    }
    return "unknown error";
}
