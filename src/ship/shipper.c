/* HTTPS shipping with libcurl (see shipper.h). */
#include "ship/shipper.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tt_shipper {
    CURL *curl;
    tt_shipper_options opt;
    char url[1024], ca[1024], sensor[64];
    char response[512];
    size_t response_len;
    uint64_t bytes_sent;
};

/* Counts what libcurl hands to TLS: request headers and body, once each. */
static int on_debug(CURL *handle, curl_infotype type, char *data, size_t size, void *user)
{
    (void)handle;
    (void)data;
    if (type == CURLINFO_HEADER_OUT || type == CURLINFO_DATA_OUT)
        ((tt_shipper *)user)->bytes_sent += size;
    return 0;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

static size_t on_body(char *data, size_t size, size_t n, void *user)
{
    tt_shipper *s = user;
    size_t len = size * n, room = sizeof s->response - 1 - s->response_len;
    size_t take = len < room ? len : room;
    memcpy(s->response + s->response_len, data, take);
    s->response_len += take;
    s->response[s->response_len] = '\0';
    return len;
}

tt_status tt_shipper_new(const tt_shipper_options *opt, tt_shipper **out, char *err, size_t errlen)
{
    *out = NULL;
    if (opt->url == NULL || strncmp(opt->url, "https://", 8) != 0) {
        snprintf(err, errlen, "collector URL must start with https:// (got '%s')", opt->url ? opt->url : "");
        return TT_ERR_USAGE;
    }
    pthread_once(&curl_once, curl_init_once);
    tt_shipper *s = calloc(1, sizeof *s);
    if (s == NULL)
        return TT_ERR_NOMEM;
    s->opt = *opt;
    snprintf(s->url, sizeof s->url, "%s", opt->url);
    size_t ulen = strlen(s->url);
    if (ulen > 0 && s->url[ulen - 1] == '/')
        s->url[ulen - 1] = '\0';
    snprintf(s->ca, sizeof s->ca, "%s", opt->ca_file ? opt->ca_file : "");
    snprintf(s->sensor, sizeof s->sensor, "%s", opt->sensor);
    s->curl = curl_easy_init();
    if (s->curl == NULL) {
        free(s);
        return TT_ERR_NOMEM;
    }
    *out = s;
    return TT_OK;
}

void tt_shipper_free(tt_shipper *s)
{
    if (s == NULL)
        return;
    curl_easy_cleanup(s->curl);
    free(s);
}

uint64_t tt_shipper_bytes_sent(const tt_shipper *s) { return s->bytes_sent; }

tt_ship_result tt_shipper_post(tt_shipper *s, const char *path, const void *body, size_t len, char *message,
                               size_t msglen)
{
    char url[1100], mac[TT_MAC_HEX], h_sensor[128], h_mac[128];
    snprintf(url, sizeof url, "%s%s", s->url, path);
    tt_mac_hex(&s->opt.key, body, len, mac);
    snprintf(h_sensor, sizeof h_sensor, "X-Teiten-Sensor: %s", s->sensor);
    snprintf(h_mac, sizeof h_mac, "X-Teiten-MAC: %s", mac);
    struct curl_slist *headers = NULL;
    headers = curl_slist_append(headers, "Content-Type: application/octet-stream");
    headers = curl_slist_append(headers, h_sensor);
    headers = curl_slist_append(headers, h_mac);
    headers = curl_slist_append(headers, "Expect:"); /* no 100-continue round trip */
    CURL *c = s->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, s->opt.timeout_seconds > 0 ? s->opt.timeout_seconds : 30L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, on_debug);
    curl_easy_setopt(c, CURLOPT_DEBUGDATA, s);
    curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
    if (s->ca[0])
        curl_easy_setopt(c, CURLOPT_CAINFO, s->ca);
    s->response_len = 0;
    s->response[0] = '\0';
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
        snprintf(message, msglen, "%s: %s", url, curl_easy_strerror(rc));
        return TT_SHIP_RETRY;
    }
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    /* one line of the answer is enough for a log */
    char *nl = strchr(s->response, '\n');
    if (nl)
        *nl = '\0';
    snprintf(message, msglen, "HTTP %ld %s", code, s->response);
    if (code == 200)
        return strncmp(s->response, "duplicate", 9) == 0 ? TT_SHIP_DUPLICATE : TT_SHIP_ACKED;
    if (code == 400 || code == 413)
        return TT_SHIP_REJECTED;
    return TT_SHIP_RETRY;
}
