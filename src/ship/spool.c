/* On-disk spool (see spool.h). */
#include "ship/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ship/batch.h"
#include "util/log.h"

typedef struct spooled {
    uint64_t seq, bytes;
    bool sealed;          /* NNN.batch; else a piece, NNN.piece */
    tt_spool_piece piece; /* a piece's header (its seq and bytes are the fields above) */
} spooled;

struct tt_spool {
    pthread_mutex_t lock;
    int lock_fd; /* flock'd: one sensor per spool */
    char dir[1024];
    uint64_t max_bytes;
    uint64_t epoch, next_seq;
    tt_gap gaps[TT_SPOOL_MAX_GAPS];
    size_t ngaps;
    spooled *files; /* ascending seq */
    size_t nfiles, files_cap;
    uint64_t bytes, dropped;
};

static tt_status io_fail(char *err, size_t errlen, const char *what, const char *path)
{
    snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
    return TT_ERR_IO;
}

static tt_status sync_dir(const char *dir, char *err, size_t errlen)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0 || fsync(fd) != 0) {
        tt_status st = io_fail(err, errlen, "cannot sync directory", dir);
        if (fd >= 0)
            close(fd);
        return st;
    }
    close(fd);
    return TT_OK;
}

/* Writes data to tmp and fsyncs it; tmp is removed on failure. */
static tt_status write_synced(const char *tmp, const void *data, size_t len, char *err, size_t errlen)
{
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0)
        return io_fail(err, errlen, "cannot create", tmp);
    const uint8_t *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            tt_status st = io_fail(err, errlen, "cannot write", tmp);
            close(fd);
            unlink(tmp);
            return st;
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0) {
        tt_status st = io_fail(err, errlen, "cannot sync", tmp);
        close(fd);
        unlink(tmp);
        return st;
    }
    close(fd);
    return TT_OK;
}

/* Writes path atomically: temporary file, fsync, rename, fsync directory. */
static tt_status write_atomic(const char *dir, const char *path, const void *data, size_t len, char *err,
                              size_t errlen)
{
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    tt_status st = write_synced(tmp, data, len, err, errlen);
    if (st != TT_OK)
        return st;
    if (rename(tmp, path) != 0) {
        st = io_fail(err, errlen, "cannot rename", tmp);
        unlink(tmp);
        return st;
    }
    return sync_dir(dir, err, errlen);
}

static tt_status write_state(tt_spool *s, char *err, size_t errlen)
{
    char text[64 + TT_SPOOL_MAX_GAPS * 96];
    size_t len = (size_t)snprintf(text, sizeof text, "teiten-spool 1\nepoch %016" PRIx64 "\nnext_seq %" PRIu64 "\n",
                                  s->epoch, s->next_seq);
    for (size_t i = 0; i < s->ngaps && len < sizeof text; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "gap %" PRId64 " %" PRId64 " %" PRIu64 " %u\n",
                                s->gaps[i].start, s->gaps[i].end, s->gaps[i].packets, s->gaps[i].reason);
    char path[1100];
    snprintf(path, sizeof path, "%s/state", s->dir);
    return write_atomic(s->dir, path, text, len, err, errlen);
}

static tt_status read_state(tt_spool *s, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return errno == ENOENT ? TT_ERR_NOTFOUND : io_fail(err, errlen, "cannot read", path);
    char line[256];
    unsigned lineno = 0;
    bool have_epoch = false, have_seq = false;
    tt_status st = TT_OK;
    while (st == TT_OK && fgets(line, sizeof line, f)) {
        lineno++;
        tt_gap g;
        unsigned reason;
        if (lineno == 1) {
            if (strcmp(line, "teiten-spool 1\n") != 0)
                st = TT_ERR_FORMAT;
        } else if (sscanf(line, "epoch %" SCNx64, &s->epoch) == 1) {
            have_epoch = true;
        } else if (sscanf(line, "next_seq %" SCNu64, &s->next_seq) == 1 && s->next_seq > 0) {
            have_seq = true;
        } else if (sscanf(line, "gap %" SCNd64 " %" SCNd64 " %" SCNu64 " %u", &g.start, &g.end, &g.packets,
                          &reason) == 4 &&
                   reason >= 1 && reason <= TT_GAP_REASON_MAX && g.start <= g.end && s->ngaps < TT_SPOOL_MAX_GAPS) {
            g.reason = (uint8_t)reason;
            s->gaps[s->ngaps++] = g;
        } else {
            st = TT_ERR_FORMAT;
        }
    }
    fclose(f);
    if (st == TT_OK && (!have_epoch || !have_seq))
        st = TT_ERR_FORMAT;
    if (st != TT_OK)
        snprintf(err, errlen, "%s:%u: damaged spool state (expected 'teiten-spool 1', 'epoch HEX', "
                 "'next_seq N', 'gap START END PACKETS REASON' lines)", path, lineno);
    return st;
}

static int spooled_cmp(const void *a, const void *b)
{
    const spooled *x = a, *y = b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* What a piece's header says, for tt_spool_pieces. A piece whose header
 * does not decode (b NULL) is left alone: sealed by itself, the collector
 * judges it. */
static void piece_from_header(tt_spool_piece *p, const tt_batch *b)
{
    if (b == NULL) {
        p->alone = true;
        return;
    }
    p->opened = b->header.opened;
    p->closed = b->header.closed;
    p->packets = b->header.packets;
    p->ngaps = b->ngaps;
    p->nvictims = b->nvictims;
}

/* Lists a file; header: a piece's decoded header (NULL for a sealed batch,
 * or a piece whose header does not decode). */
static tt_status add_file(tt_spool *s, uint64_t seq, uint64_t bytes, bool sealed, const tt_batch *header)
{
    if (s->nfiles == s->files_cap) {
        size_t cap = s->files_cap ? s->files_cap * 2 : 64;
        spooled *p = realloc(s->files, cap * sizeof *p);
        if (p == NULL)
            return TT_ERR_NOMEM;
        s->files = p;
        s->files_cap = cap;
    }
    spooled *f = &s->files[s->nfiles++];
    memset(f, 0, sizeof *f);
    f->seq = seq;
    f->bytes = bytes;
    f->sealed = sealed;
    if (!sealed)
        piece_from_header(&f->piece, header);
    s->bytes += bytes;
    return TT_OK;
}

static void batch_path(const tt_spool *s, uint64_t seq, bool sealed, char *path, size_t len)
{
    snprintf(path, len, "%s/%020" PRIu64 ".%s", s->dir, seq, sealed ? "batch" : "piece");
}

static tt_status read_whole(const char *path, uint64_t bytes, tt_buf *data, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return io_fail(err, errlen, "cannot read", path);
    tt_buf_reset(data);
    tt_status st = tt_buf_reserve(data, bytes);
    if (st == TT_OK) {
        data->len = fread(data->data, 1, bytes, f);
        if (data->len != bytes)
            st = io_fail(err, errlen, "short read of", path);
    }
    fclose(f);
    return st;
}

/* Decodes the header of the spooled file at path (bytes long) into b, read
 * from the file's start (the whole file only when the header is longer).
 * TT_ERR_FORMAT when it does not decode; I/O errors as read_whole's. */
static tt_status read_header(const char *path, uint64_t bytes, tt_batch *b, char *err, size_t errlen)
{
    char why[256];
    tt_buf data;
    tt_buf_init(&data, TT_BATCH_MAX_BYTES);
    tt_status st = TT_ERR_FORMAT;
    uint64_t want = bytes < 65536 ? bytes : 65536;
    for (int pass = 0; pass < 2 && st == TT_ERR_FORMAT; pass++, want = bytes) {
        if ((st = read_whole(path, want, &data, err, errlen)) != TT_OK)
            break;
        st = tt_batch_decode_header(data.data, data.len, b, why, sizeof why) == TT_OK ? TT_OK : TT_ERR_FORMAT;
        if (want == bytes)
            break;
    }
    tt_buf_free(&data);
    return st;
}

/* The first sequence number a sealed batch stands for (its header's
 * first_seq; a batch that does not decode, or names another seq, stands
 * for itself). */
static uint64_t sealed_first_seq(const tt_spool *s, const spooled *f)
{
    char path[1100], why[600];
    batch_path(s, f->seq, true, path, sizeof path);
    tt_batch b;
    uint64_t first = f->seq;
    if (read_header(path, f->bytes, &b, why, sizeof why) == TT_OK) {
        if (b.header.seq == f->seq)
            first = b.header.first_seq;
        tt_batch_free(&b);
    }
    return first;
}

/* Sealing renames the merged batch into place before it removes the pieces
 * it took (see tt_spool_seal): a crash in between, or a piece that could not
 * be removed, leaves pieces that a sealed batch stands for. Those are removed
 * at open; any other piece is kept. */
static tt_status drop_consumed_pieces(tt_spool *s, char *err, size_t errlen)
{
    uint64_t lowest_piece = UINT64_MAX;
    for (size_t i = 0; i < s->nfiles; i++)
        if (!s->files[i].sealed && s->files[i].seq < lowest_piece)
            lowest_piece = s->files[i].seq;
    if (lowest_piece == UINT64_MAX)
        return TT_OK;
    bool *taken = calloc(s->nfiles, sizeof *taken);
    if (taken == NULL)
        return TT_ERR_NOMEM;
    /* only a sealed batch numbered at least the lowest piece can stand for it */
    for (size_t i = 0; i < s->nfiles; i++) {
        if (!s->files[i].sealed || s->files[i].seq < lowest_piece)
            continue;
        uint64_t from = sealed_first_seq(s, &s->files[i]), to = s->files[i].seq;
        for (size_t j = 0; j < s->nfiles; j++)
            taken[j] |= !s->files[j].sealed && s->files[j].seq >= from && s->files[j].seq <= to;
    }
    tt_status st = TT_OK;
    bool dropped = false;
    size_t k = 0;
    for (size_t i = 0; i < s->nfiles; i++) {
        spooled *f = &s->files[i];
        if (taken[i] && st == TT_OK) {
            char path[1100];
            batch_path(s, f->seq, false, path, sizeof path);
            if (unlink(path) != 0 && errno != ENOENT) {
                st = io_fail(err, errlen, "cannot remove the merged piece", path);
            } else {
                s->bytes -= f->bytes;
                dropped = true;
                continue;
            }
        }
        s->files[k++] = *f;
    }
    s->nfiles = k;
    free(taken);
    if (st == TT_OK && dropped)
        st = sync_dir(s->dir, err, errlen);
    return st;
}

static tt_status scan_dir(tt_spool *s, char *err, size_t errlen)
{
    DIR *dir = opendir(s->dir);
    if (dir == NULL)
        return io_fail(err, errlen, "cannot read the spool", s->dir);
    struct dirent *e;
    tt_status st = TT_OK;
    while (st == TT_OK && (e = readdir(dir)) != NULL) {
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", s->dir, e->d_name);
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".tmp") == 0) {
            unlink(path); /* a write cut short by a crash: never acknowledged, never counted */
            continue;
        }
        uint64_t seq;
        char tail[8];
        if (sscanf(e->d_name, "%20" SCNu64 ".%7s", &seq, tail) != 2 ||
            (strcmp(tail, "batch") != 0 && strcmp(tail, "piece") != 0))
            continue;
        bool sealed = strcmp(tail, "batch") == 0;
        struct stat sb;
        if (stat(path, &sb) != 0)
            continue;
        tt_batch header;
        tt_status hst = sealed ? TT_ERR_FORMAT : read_header(path, (uint64_t)sb.st_size, &header, err, errlen);
        if (hst != TT_OK && hst != TT_ERR_FORMAT) {
            st = hst; /* an unreadable piece */
            break;
        }
        st = add_file(s, seq, (uint64_t)sb.st_size, sealed, hst == TT_OK ? &header : NULL);
        if (hst == TT_OK)
            tt_batch_free(&header);
    }
    closedir(dir);
    if (s->nfiles > 1) /* files is NULL in an empty spool: qsort wants a pointer */
        qsort(s->files, s->nfiles, sizeof *s->files, spooled_cmp);
    return st == TT_OK ? drop_consumed_pieces(s, err, errlen) : st;
}

tt_status tt_spool_open(const char *dir, uint64_t max_bytes, tt_spool **out, char *err, size_t errlen)
{
    *out = NULL;
    tt_spool *s = calloc(1, sizeof *s);
    if (s == NULL)
        return TT_ERR_NOMEM;
    s->lock_fd = -1;
    pthread_mutex_init(&s->lock, NULL);
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    s->max_bytes = max_bytes;
    tt_status st = TT_OK;
    if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
        st = io_fail(err, errlen, "cannot create the spool", dir);
        goto fail;
    }
    char path[1100];
    snprintf(path, sizeof path, "%s/lock", dir);
    s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (s->lock_fd < 0) {
        st = io_fail(err, errlen, "cannot open", path);
        goto fail;
    }
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, errlen, "spool %s is in use by another teiten sensor", dir);
        st = TT_ERR_USAGE;
        goto fail;
    }
    snprintf(path, sizeof path, "%s/rejected", dir);
    (void)mkdir(path, 0750);
    snprintf(path, sizeof path, "%s/state", dir);
    st = read_state(s, path, err, errlen);
    if (st == TT_ERR_NOTFOUND) {
        /* A new spool: a new epoch, so its sequence numbers never collide
         * with an earlier spool of the same sensor at the collector. */
        if (getrandom(&s->epoch, sizeof s->epoch, 0) != (ssize_t)sizeof s->epoch) {
            st = io_fail(err, errlen, "cannot draw a random epoch for", dir);
            goto fail;
        }
        s->next_seq = 1;
        st = write_state(s, err, errlen);
    }
    if (st != TT_OK || (st = scan_dir(s, err, errlen)) != TT_OK)
        goto fail;
    if (s->nfiles > 0 && s->files[s->nfiles - 1].seq >= s->next_seq) {
        /* The batch was written but the state not yet: that batch already
         * declared the pending gaps. */
        s->next_seq = s->files[s->nfiles - 1].seq + 1;
        s->ngaps = 0;
        if ((st = write_state(s, err, errlen)) != TT_OK)
            goto fail;
    }
    *out = s;
    return TT_OK;
fail:
    tt_spool_close(s);
    return st;
}

void tt_spool_close(tt_spool *s)
{
    if (s == NULL)
        return;
    pthread_mutex_destroy(&s->lock);
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    free(s->files);
    free(s);
}

void tt_spool_set_cap(tt_spool *s, uint64_t max_bytes)
{
    pthread_mutex_lock(&s->lock);
    s->max_bytes = max_bytes;
    pthread_mutex_unlock(&s->lock);
}

uint64_t tt_spool_epoch(const tt_spool *s) { return s->epoch; }

uint64_t tt_spool_next_seq(tt_spool *s)
{
    pthread_mutex_lock(&s->lock);
    uint64_t seq = s->next_seq;
    pthread_mutex_unlock(&s->lock);
    return seq;
}

size_t tt_spool_pending_gaps(tt_spool *s, tt_gap *out, size_t max)
{
    pthread_mutex_lock(&s->lock);
    size_t n = s->ngaps < max ? s->ngaps : max;
    memcpy(out, s->gaps, n * sizeof *out);
    pthread_mutex_unlock(&s->lock);
    return n;
}

/* Adds a gap to the pending list (caller holds the lock): contiguous losses
 * of one reason widen the last declaration; when the list is full, so does
 * any loss, so nothing is ever left undeclared. */
static void pending_gap(tt_spool *s, const tt_gap *lost)
{
    tt_gap *last = s->ngaps ? &s->gaps[s->ngaps - 1] : NULL;
    if (last && last->reason == lost->reason && (s->ngaps == TT_SPOOL_MAX_GAPS || lost->start <= last->end + 1)) {
        last->start = lost->start < last->start ? lost->start : last->start;
        last->end = lost->end > last->end ? lost->end : last->end;
        last->packets += lost->packets;
    } else if (s->ngaps < TT_SPOOL_MAX_GAPS) {
        s->gaps[s->ngaps++] = *lost;
    } else {
        last->packets += lost->packets; /* full of other reasons: fold in, the count stays exact */
        last->end = lost->end > last->end ? lost->end : last->end;
    }
}

tt_status tt_spool_add_gap(tt_spool *s, const tt_gap *gap, char *err, size_t errlen)
{
    pthread_mutex_lock(&s->lock);
    pending_gap(s, gap);
    tt_status st = write_state(s, err, errlen);
    pthread_mutex_unlock(&s->lock);
    return st;
}

tt_status tt_spool_put(tt_spool *s, uint64_t seq, const uint8_t *data, size_t len, const tt_gap *lost, bool sealed,
                       char *err, size_t errlen)
{
    pthread_mutex_lock(&s->lock);
    tt_status st = TT_OK;
    if (seq != s->next_seq) {
        snprintf(err, errlen, "spool: batch %" PRIu64 " is out of order (expected %" PRIu64 ")", seq, s->next_seq);
        st = TT_ERR_USAGE;
        goto out;
    }
    if (s->max_bytes && s->bytes + len > s->max_bytes) {
        if (lost && lost->packets > 0) {
            pending_gap(s, lost);
            s->dropped += lost->packets;
        }
        tt_status wst = write_state(s, err, errlen);
        st = wst != TT_OK ? wst : TT_ERR_NOMEM;
        if (wst == TT_OK)
            snprintf(err, errlen, "spool %s is full (%" PRIu64 " of %" PRIu64 " bytes)", s->dir, s->bytes,
                     s->max_bytes);
        goto out;
    }
    /* Sealed batches stay numbered below every piece: a batch put while
     * pieces wait (ship_seconds lowered by a reload) waits with them. */
    if (s->nfiles > 0 && !s->files[s->nfiles - 1].sealed)
        sealed = false;
    char path[1100];
    batch_path(s, seq, sealed, path, sizeof path);
    if ((st = write_atomic(s->dir, path, data, len, err, errlen)) != TT_OK)
        goto out;
    tt_batch header;
    char why[256];
    bool decoded = !sealed && tt_batch_decode_header(data, len, &header, why, sizeof why) == TT_OK;
    st = add_file(s, seq, len, sealed, decoded ? &header : NULL);
    if (decoded)
        tt_batch_free(&header);
    if (st != TT_OK)
        goto out;
    s->next_seq = seq + 1;
    s->ngaps = 0;
    st = write_state(s, err, errlen);
out:
    pthread_mutex_unlock(&s->lock);
    return st;
}

tt_status tt_spool_oldest(tt_spool *s, uint64_t *seq, tt_buf *data, char *err, size_t errlen)
{
    pthread_mutex_lock(&s->lock);
    tt_status st = TT_ERR_NOTFOUND;
    if (s->nfiles > 0 && s->files[0].sealed) { /* sealed batches come before every piece */
        *seq = s->files[0].seq;
        char path[1100];
        batch_path(s, *seq, true, path, sizeof path);
        st = read_whole(path, s->files[0].bytes, data, err, errlen);
    }
    pthread_mutex_unlock(&s->lock);
    return st;
}

size_t tt_spool_pieces(tt_spool *s, tt_spool_piece *out, size_t max)
{
    pthread_mutex_lock(&s->lock);
    size_t n = 0;
    for (size_t i = 0; i < s->nfiles && n < max; i++)
        if (!s->files[i].sealed) {
            out[n] = s->files[i].piece;
            out[n].seq = s->files[i].seq;
            out[n++].bytes = s->files[i].bytes;
        }
    pthread_mutex_unlock(&s->lock);
    return n;
}

tt_status tt_spool_read_piece(tt_spool *s, uint64_t seq, tt_buf *data, char *err, size_t errlen)
{
    pthread_mutex_lock(&s->lock);
    bool found = false;
    uint64_t bytes = 0;
    for (size_t i = 0; i < s->nfiles && !found; i++)
        if (!s->files[i].sealed && s->files[i].seq == seq) {
            found = true;
            bytes = s->files[i].bytes;
        }
    pthread_mutex_unlock(&s->lock);
    if (!found) {
        snprintf(err, errlen, "spool: no piece %" PRIu64, seq);
        return TT_ERR_NOTFOUND;
    }
    /* Read unlocked: only the caller (the shipping thread) removes pieces. */
    char path[1100];
    batch_path(s, seq, false, path, sizeof path);
    return read_whole(path, bytes, data, err, errlen);
}

tt_status tt_spool_seal(tt_spool *s, uint64_t first, uint64_t last, const uint8_t *data, size_t len, char *err,
                        size_t errlen)
{
    char path[1100], tmp[1200], piece[1100];
    batch_path(s, last, true, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    tt_status st = TT_OK;
    /* The merged batch is written and synced unlocked: the capture thread
     * keeps spooling meanwhile. */
    if (data != NULL && (st = write_synced(tmp, data, len, err, errlen)) != TT_OK)
        return st;
    pthread_mutex_lock(&s->lock);
    /* the oldest pieces, first..last, in a row */
    size_t at = 0;
    while (at < s->nfiles && s->files[at].sealed)
        at++;
    size_t end = at;
    while (end < s->nfiles && !s->files[end].sealed && s->files[end].seq <= last)
        end++;
    if (at == end || s->files[at].seq != first || s->files[end - 1].seq != last || (data == NULL && end - at != 1)) {
        snprintf(err, errlen, "spool: pieces %" PRIu64 " to %" PRIu64 " are not the oldest", first, last);
        st = TT_ERR_USAGE;
        goto out;
    }
    for (size_t i = 0; i < at; i++)
        if (s->files[i].seq == last) {
            snprintf(err, errlen, "spool: batch %" PRIu64 " is sealed already", last);
            st = TT_ERR_USAGE;
            goto out;
        }
    batch_path(s, last, false, piece, sizeof piece);
    if (rename(data ? tmp : piece, path) != 0) {
        st = io_fail(err, errlen, "cannot seal", data ? tmp : piece);
        goto out;
    }
    /* Sealed: from here the batch stands for the pieces, whatever fails next
     * (the next open removes pieces left on disk that it stands for). */
    uint64_t bytes = data ? len : s->files[at].bytes;
    for (size_t i = at; i < end; i++) {
        s->bytes -= s->files[i].bytes;
        batch_path(s, s->files[i].seq, false, piece, sizeof piece);
        if (data && unlink(piece) != 0 && errno != ENOENT)
            tt_log_warn("cannot remove the merged piece %s (%s): the next start removes it (batch %" PRIu64
                        " stands for it)", piece, strerror(errno), last);
    }
    s->bytes += bytes;
    spooled *f = &s->files[at];
    memset(f, 0, sizeof *f);
    f->seq = last;
    f->bytes = bytes;
    f->sealed = true;
    memmove(s->files + at + 1, s->files + end, (s->nfiles - end) * sizeof *s->files);
    s->nfiles -= end - at - 1;
    char why[600];
    if (sync_dir(s->dir, why, sizeof why) != TT_OK)
        tt_log_warn("%s: batch %" PRIu64 " may not be durable yet", why, last);
out:
    pthread_mutex_unlock(&s->lock);
    if (st != TT_OK && data)
        unlink(tmp);
    return st;
}

static tt_status drop_first(tt_spool *s, uint64_t seq, const char *moved_to, char *err, size_t errlen)
{
    if (s->nfiles == 0 || s->files[0].seq != seq || !s->files[0].sealed) {
        snprintf(err, errlen, "spool: batch %" PRIu64 " is not the oldest", seq);
        return TT_ERR_USAGE;
    }
    char path[1100];
    batch_path(s, seq, true, path, sizeof path);
    if (moved_to ? rename(path, moved_to) != 0 : unlink(path) != 0)
        return io_fail(err, errlen, "cannot remove", path);
    s->bytes -= s->files[0].bytes;
    memmove(s->files, s->files + 1, (s->nfiles - 1) * sizeof *s->files);
    s->nfiles--;
    return TT_OK;
}

tt_status tt_spool_remove(tt_spool *s, uint64_t seq, char *err, size_t errlen)
{
    pthread_mutex_lock(&s->lock);
    tt_status st = drop_first(s, seq, NULL, err, errlen);
    pthread_mutex_unlock(&s->lock);
    return st;
}

tt_status tt_spool_reject(tt_spool *s, uint64_t seq, char *err, size_t errlen)
{
    char to[1200];
    snprintf(to, sizeof to, "%s/rejected/%020" PRIu64 ".batch", s->dir, seq);
    pthread_mutex_lock(&s->lock);
    tt_status st = drop_first(s, seq, to, err, errlen);
    pthread_mutex_unlock(&s->lock);
    return st;
}

void tt_spool_get_usage(tt_spool *s, tt_spool_usage *u)
{
    pthread_mutex_lock(&s->lock);
    u->batches = s->nfiles;
    u->bytes = s->bytes;
    u->dropped_packets = s->dropped;
    pthread_mutex_unlock(&s->lock);
}
