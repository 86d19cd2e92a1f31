/* Live capture (see live.h). */
#include "capture/live.h"

#include <dirent.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/limits.h"

typedef struct live_if {
    pcap_t *pcap;
    char name[64];
    int linktype;
    int fd;
    unsigned last_recv, last_drop, last_ifdrop; /* libpcap's 32-bit counters at the last read */
} live_if;

struct tt_live {
    live_if ifs[TT_LIVE_MAX_INTERFACES];
    size_t n;
    tt_live_stats totals;
    /* retention */
    char retain_dir[1024];
    pcap_dumper_t *dumper;
    uint64_t file_bytes;
    int64_t file_opened;
    tt_live_options opt;
    tt_live_fn fn;
    void *ctx;
    size_t current; /* interface being dispatched */
};

static tt_status set_filter(live_if *li, const char *filter, char *err, size_t errlen)
{
    if (filter == NULL || filter[0] == '\0')
        filter = "";
    struct bpf_program prog;
    if (pcap_compile(li->pcap, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        snprintf(err, errlen, "%s: bad capture filter '%s': %s", li->name, filter, pcap_geterr(li->pcap));
        return TT_ERR_USAGE;
    }
    int rc = pcap_setfilter(li->pcap, &prog);
    pcap_freecode(&prog);
    if (rc != 0) {
        snprintf(err, errlen, "%s: cannot set the capture filter: %s", li->name, pcap_geterr(li->pcap));
        return TT_ERR_IO;
    }
    return TT_OK;
}

tt_status tt_live_open(const tt_live_options *opt, tt_live **out, char *err, size_t errlen)
{
    *out = NULL;
    if (opt->ninterfaces == 0 || opt->ninterfaces > TT_LIVE_MAX_INTERFACES) {
        snprintf(err, errlen, "live capture needs 1 to %d interfaces", TT_LIVE_MAX_INTERFACES);
        return TT_ERR_USAGE;
    }
    tt_live *live = calloc(1, sizeof *live);
    if (live == NULL)
        return TT_ERR_NOMEM;
    live->opt = *opt;
    tt_status st = TT_OK;
    for (size_t i = 0; i < opt->ninterfaces && st == TT_OK; i++) {
        live_if *li = &live->ifs[i];
        snprintf(li->name, sizeof li->name, "%s", opt->interfaces[i]);
        char ebuf[PCAP_ERRBUF_SIZE] = "";
        li->pcap = pcap_create(li->name, ebuf);
        if (li->pcap == NULL) {
            snprintf(err, errlen, "%s: cannot capture: %s", li->name, ebuf);
            st = TT_ERR_IO;
            break;
        }
        live->n = i + 1;
        pcap_set_snaplen(li->pcap, opt->snaplen > 0 ? opt->snaplen : 256);
        pcap_set_promisc(li->pcap, 1);
        if (opt->immediate)
            pcap_set_immediate_mode(li->pcap, 1);
        else
            pcap_set_timeout(li->pcap, opt->timeout_ms > 0 ? opt->timeout_ms : 100);
        pcap_set_buffer_size(li->pcap, (opt->buffer_mb > 0 ? opt->buffer_mb : 256) << 20);
        int rc = pcap_activate(li->pcap);
        if (rc < 0) {
            snprintf(err, errlen, "%s: cannot start capturing: %s", li->name, pcap_geterr(li->pcap));
            st = rc == PCAP_ERROR_PERM_DENIED ? TT_ERR_USAGE : TT_ERR_IO;
            break;
        }
        li->linktype = pcap_datalink(li->pcap);
        if ((st = set_filter(li, opt->filter, err, errlen)) != TT_OK)
            break;
        if (pcap_setnonblock(li->pcap, 1, ebuf) != 0 || (li->fd = pcap_get_selectable_fd(li->pcap)) < 0) {
            snprintf(err, errlen, "%s: cannot poll the capture", li->name);
            st = TT_ERR_IO;
        }
    }
    if (st == TT_OK && opt->retain_dir && opt->retain_dir[0]) {
        snprintf(live->retain_dir, sizeof live->retain_dir, "%s", opt->retain_dir);
        if (mkdir(live->retain_dir, 0750) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "%s: cannot create the retention directory: %s", live->retain_dir,
                     strerror(errno));
            st = TT_ERR_IO;
        }
    }
    if (st != TT_OK) {
        tt_live_close(live);
        return st;
    }
    *out = live;
    return TT_OK;
}

void tt_live_close(tt_live *live)
{
    if (live == NULL)
        return;
    if (live->dumper)
        pcap_dump_close(live->dumper);
    for (size_t i = 0; i < live->n; i++)
        if (live->ifs[i].pcap)
            pcap_close(live->ifs[i].pcap);
    free(live);
}

tt_status tt_live_set_filter(tt_live *live, const char *filter, char *err, size_t errlen)
{
    for (size_t i = 0; i < live->n; i++) {
        tt_status st = set_filter(&live->ifs[i], filter, err, errlen);
        if (st != TT_OK)
            return st;
    }
    return TT_OK;
}

/* Retention files are named teiten-YYYYmmddTHHMMSS-N.pcap so names sort by age. */
static int retained_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void retention_prune(tt_live *live, int64_t now)
{
    DIR *dir = opendir(live->retain_dir);
    if (dir == NULL)
        return;
    char *names[4096];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL && n < sizeof names / sizeof names[0])
        if (strncmp(e->d_name, "teiten-", 7) == 0 && strstr(e->d_name, ".pcap"))
            names[n++] = strdup(e->d_name);
    closedir(dir);
    qsort(names, n, sizeof names[0], retained_cmp);
    uint64_t total = 0;
    uint64_t max_bytes = live->opt.retain_max_bytes ? live->opt.retain_max_bytes : (uint64_t)1 << 30;
    /* Newest first: keep while under the caps. */
    for (size_t k = n; k-- > 0;) {
        if (names[k] == NULL)
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", live->retain_dir, names[k]);
        struct stat sb;
        if (stat(path, &sb) == 0) {
            total += (uint64_t)sb.st_size;
            bool too_old = live->opt.retain_max_age > 0 && now - sb.st_mtime > live->opt.retain_max_age;
            if ((total > max_bytes || too_old) && k + 1 < n) /* never the file being written */
                unlink(path);
        }
        free(names[k]);
    }
}

static void retention_write(tt_live *live, const struct pcap_pkthdr *h, const u_char *bytes)
{
    int64_t now = h->ts.tv_sec;
    uint64_t max_file = live->opt.retain_file_bytes ? live->opt.retain_file_bytes : (uint64_t)64 << 20;
    int64_t max_age = live->opt.retain_file_seconds ? live->opt.retain_file_seconds : 3600;
    if (live->dumper && (live->file_bytes >= max_file || now - live->file_opened >= max_age)) {
        pcap_dump_close(live->dumper);
        live->dumper = NULL;
        retention_prune(live, now);
    }
    if (live->dumper == NULL) {
        static unsigned serial;
        char path[2048], stamp[32];
        time_t t = (time_t)now;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
        snprintf(path, sizeof path, "%s/teiten-%s-%u.pcap", live->retain_dir, stamp, serial++);
        live->dumper = pcap_dump_open(live->ifs[0].pcap, path);
        if (live->dumper == NULL)
            return; /* retention is best effort: never stops the capture */
        live->file_bytes = 24;
        live->file_opened = now;
    }
    pcap_dump((u_char *)live->dumper, h, bytes);
    live->file_bytes += 16 + h->caplen;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    tt_live *live = (tt_live *)user;
    live_if *li = &live->ifs[live->current];
    if (live->retain_dir[0] && li->linktype == live->ifs[0].linktype)
        retention_write(live, h, bytes);
    tt_frame frame = {bytes, h->caplen > TT_LIMIT_FRAME ? TT_LIMIT_FRAME : h->caplen, h->len,
                      (int64_t)h->ts.tv_sec, (uint32_t)h->ts.tv_usec % 1000000};
    live->fn(live->ctx, li->linktype, &frame);
}

tt_status tt_live_dispatch(tt_live *live, int timeout_ms, tt_live_fn fn, void *ctx, uint64_t *handled, char *err,
                           size_t errlen)
{
    *handled = 0;
    struct pollfd fds[TT_LIVE_MAX_INTERFACES];
    for (size_t i = 0; i < live->n; i++) {
        fds[i].fd = live->ifs[i].fd;
        fds[i].events = POLLIN;
        fds[i].revents = 0;
    }
    int rc = poll(fds, live->n, timeout_ms);
    if (rc < 0)
        return errno == EINTR ? TT_OK : TT_ERR_IO;
    live->fn = fn;
    live->ctx = ctx;
    for (size_t i = 0; i < live->n; i++) {
        live->current = i;
        /* Drain in slices so one busy interface cannot starve the others. */
        for (int round = 0; round < 64; round++) {
            int got = pcap_dispatch(live->ifs[i].pcap, 4096, on_packet, (u_char *)live);
            if (got < 0) {
                snprintf(err, errlen, "%s: capture failed: %s", live->ifs[i].name, pcap_geterr(live->ifs[i].pcap));
                return TT_ERR_IO;
            }
            *handled += (uint64_t)got;
            if (got < 4096)
                break;
        }
    }
    if (live->dumper)
        pcap_dump_flush(live->dumper);
    return TT_OK;
}

void tt_live_get_stats(tt_live *live, tt_live_stats *stats)
{
    for (size_t i = 0; i < live->n; i++) {
        live_if *li = &live->ifs[i];
        struct pcap_stat ps;
        if (pcap_stats(li->pcap, &ps) != 0)
            continue;
        /* Unsigned subtraction takes care of the 32-bit wrap. */
        live->totals.received += (unsigned)(ps.ps_recv - li->last_recv);
        live->totals.dropped += (unsigned)(ps.ps_drop - li->last_drop);
        live->totals.if_dropped += (unsigned)(ps.ps_ifdrop - li->last_ifdrop);
        li->last_recv = ps.ps_recv;
        li->last_drop = ps.ps_drop;
        li->last_ifdrop = ps.ps_ifdrop;
    }
    *stats = live->totals;
}
