/* The report's two languages: sentence templates, country and category
 * names, dates and numbers. Templates are whole sentences with named
 * placeholders so each language keeps its own word order; report.c decides
 * which sentences a report needs and fills them. */
#include <stdio.h>
#include <string.h>

#include "render/report.h"
#include "util/parse.h"

typedef struct text_pair {
    const char *ja, *en;
} text_pair;

static const text_pair texts[TT_TEXT_COUNT] = {
    [TT_TEXT_TITLE] = {"インターネット定点観測レポート（{period}）", "Internet Telescope Report: {period}"},
    [TT_TEXT_SUBTITLE] = {"観測期間：{range}（{tz}）　対象：{scope}",
                          "Period: {range} ({tz}) · Scope: {scope}"},
    [TT_TEXT_SCOPE_ALL] = {"全センサー宛のパケット", "packets to all sensors"},
    [TT_TEXT_SCOPE_REGION] = {"{region}宛のパケット", "packets destined to {region}"},
    [TT_TEXT_TOC] = {"目次", "Contents"},
    [TT_TEXT_SEC_OVERVIEW] = {"概況", "Overview"},
    [TT_TEXT_SEC_EVENTS] = {"注目された現象", "Notable events"},
    [TT_TEXT_SEC_REFERENCES] = {"参考文献", "References"},
    [TT_TEXT_OVERVIEW_METHOD] =
        {"本レポートは、インターネット上で使われていないIPアドレス（ダークネット）に配置した観測用センサーが"
         "受信した、不特定多数に向けて発信されたパケットを分析したものです。パケットを宛先ポート番号や"
         "送信元地域ごとに分類し、脆弱性情報やマルウエア、攻撃ツールの情報と対比することで、"
         "攻撃活動やその準備活動の把握に努めています。",
         "This report analyses the unsolicited packets that sensors on unused (dark) IP addresses received "
         "from the Internet. The packets are classified by destination port and source region and compared "
         "with what is known about vulnerabilities, malware and attack tools, to spot attacks and the "
         "reconnaissance that precedes them."},
    [TT_TEXT_OVERVIEW_SCOPE_ALL] =
        {"対象は、{range}に{regions}に設置した{sensors}のセンサーが受信したパケットです。",
         "It covers the packets received {span} by {sensors} located in {regions}."},
    [TT_TEXT_OVERVIEW_SCOPE_UNPLACED] = {"対象は、{range}に{sensors}のセンサーが受信したパケットです。",
                                         "It covers the packets received {span} by {sensors}."},
    [TT_TEXT_OVERVIEW_SCOPE_REGION] =
        {"{range}に観測されたパケットのうち、{region}に設置した{sensors}のセンサー"
         "（全{all_sensors}中）が受信した{region}宛のパケットを中心に分析した結果について述べます。",
         "It covers the packets destined to {region}: those received {span} by the {sensors} located "
         "in {region} ({all_sensors} in all)."},
    [TT_TEXT_OVERVIEW_TOTALS] =
        {"期間中に観測したパケットは合計{packets}パケット（1日平均{per_day}パケット）で、"
         "宛先ポート番号は{ports}種類、送信元地域は{countries}か国・地域にわたりました。",
         "In all, {packets} packets were observed ({per_day} per day on average), to {ports} destination "
         "ports from {countries} source countries and regions."},
    [TT_TEXT_OVERVIEW_CHANGE_UP] =
        {"{prev_label}（{prev_packets}パケット）と比べて{change}増加しました。",
         "That is {change} more than in the {prev_label} ({prev_packets} packets)."},
    [TT_TEXT_OVERVIEW_CHANGE_DOWN] = {"{prev_label}（{prev_packets}パケット）と比べて{change}減少しました。",
                                      "That is {change} fewer than in the {prev_label} ({prev_packets} "
                                      "packets)."},
    [TT_TEXT_OVERVIEW_NO_PREVIOUS] = {"{prev_label}の観測データはないため、順位の比較はできません。",
                                      "The store holds no data for the {prev_label}, so ranks cannot be "
                                      "compared."},
    [TT_TEXT_OVERVIEW_NO_DATA] = {"この期間の観測データはありません。",
                                  "The store holds no packets for this period."},
    [TT_TEXT_KEY_PERIOD] = {"観測期間", "Period"},
    [TT_TEXT_KEY_SENSORS] = {"センサー", "Sensors"},
    [TT_TEXT_KEY_PACKETS] = {"総パケット数", "Packets"},
    [TT_TEXT_KEY_PER_DAY] = {"1日平均", "Per day"},
    [TT_TEXT_KEY_CHANGE] = {"{prev_label}比", "vs {prev_label}"},
    [TT_TEXT_KEY_PORTS_COUNTRIES] = {"宛先ポート／送信元地域", "Ports / source regions"},
    [TT_TEXT_PORTS_COUNTRIES_VALUE] = {"{ports}種類／{countries}地域", "{ports} / {countries}"},
    [TT_TEXT_SENSORS_CAPTION] = {"観測に用いたセンサー", "Sensors in this report"},
    [TT_TEXT_COL_SENSOR] = {"センサー", "Sensor"},
    [TT_TEXT_COL_LOCATION] = {"設置地域", "Location"},
    [TT_TEXT_COL_PACKETS] = {"パケット数", "Packets"},
    [TT_TEXT_COL_SHARE] = {"割合", "Share"},
    [TT_TEXT_COL_COVERAGE] = {"稼働率", "Coverage"},
    [TT_TEXT_SENSORS_OUTAGE] = {"{sensors}は期間中に停止または欠測があり、稼働率は表の通りです（申告された欠測は計{packets}パケット）。"
                                "該当する日の観測数の減少は、スキャン活動の減少ではなく欠測によるものです。",
                                "{sensors} did not capture during part of the period (coverage in the table; "
                                "declared losses total {packets} packets): fewer packets on those days reflect the "
                                "outage, not less scanning."},
    [TT_TEXT_COL_RANK] = {"順位", "Rank"},
    [TT_TEXT_COL_PORT] = {"宛先ポート番号", "Destination port"},
    [TT_TEXT_COL_REGION] = {"送信元地域", "Source region"},
    [TT_TEXT_COL_PREV_RANK_QUARTER] = {"前四半期の順位", "Previous quarter"},
    [TT_TEXT_COL_PREV_RANK_PERIOD] = {"前期間の順位", "Previous period"},
    [TT_TEXT_OUT_OF_TOP] = {"トップ{n}圏外", "out of top {n}"},
    [TT_TEXT_PORTS_INTRO] = {"宛先ポート番号別パケット観測数のトップ{n}を[表{table}]に示します。",
                             "Table {table} lists the top {n} destination ports by packets."},
    [TT_TEXT_PORTS_CAPTION] = {"宛先ポート番号別パケット観測数トップ{n}", "Top {n} destination ports"},
    [TT_TEXT_SERVICE_NOTE] =
        {"なお、サービス名はIANAの情報をもとに記載していますが、必ずしも各サービスプロトコルに"
         "則ったパケットが受信されているとは限りません。",
         "Service names are those registered at IANA; the packets received do not "
         "necessarily follow the registered protocol."},
    [TT_TEXT_PORTS_FIGURE_INTRO] =
        {"図{fig}は、期間中のトップ{k}の宛先ポート番号ごとのパケット観測数の推移を示しています。",
         "Figure {fig} shows the daily packets to the top {k} destination ports "
         "over the period."},
    [TT_TEXT_PORTS_FIGURE_CAPTION] = {"宛先ポート番号別パケット観測数トップ{k}の推移（日別）",
                                      "Daily packets to the top {k} destination ports"},
    [TT_TEXT_COUNTRIES_INTRO] = {"送信元地域のトップ{n}を[表{table}]に示します。",
                                 "Table {table} lists the top {n} source regions by packets."},
    [TT_TEXT_COUNTRIES_CAPTION] = {"送信元地域別パケット観測数トップ{n}", "Top {n} source regions"},
    [TT_TEXT_COUNTRIES_FIGURE_INTRO] =
        {"図{fig}に期間中のトップ{k}のパケット送信元地域からのパケット観測数の推移を示します。",
         "Figure {fig} shows the daily packets from the top {k} source regions."},
    [TT_TEXT_COUNTRIES_FIGURE_CAPTION] = {"送信元地域別パケット観測数トップ{k}の推移（日別）",
                                          "Daily packets from the top {k} source regions"},
    [TT_TEXT_Y_LABEL] = {"パケット数／日", "packets per day"},
    [TT_TEXT_SUMMARY_TOP_SAME] =
        {"{this_period}は、{prev_label}に引き続き{port}宛のパケットが最も多く観測されました。",
         "As in the {prev_label}, {port} received the most packets."},
    [TT_TEXT_SUMMARY_TOP_CHANGED] =
        {"{this_period}は、{port}宛のパケットが最も多く観測されました（{prev_label}は第{prev_rank}位）。",
         "{port} received the most packets ({prev_rank} in the {prev_label})."},
    [TT_TEXT_SUMMARY_TOP_NEW] =
        {"{this_period}は、{prev_label}にトップ{n}圏外だった{port}宛のパケットが最も多く観測されました。",
         "{port}, outside the top {n} in the {prev_label}, received the most packets."},
    [TT_TEXT_SUMMARY_NEW_ENTRIES] =
        {"また、{prev_label}はトップ{n}圏外だった{ports}が新たにトップ{n}に入りました。",
         "{ports}, outside the top {n} in the {prev_label}, entered it {this_period}."},
    [TT_TEXT_SUMMARY_EVENTS] = {"{subjects}の変化については「2 注目された現象」で詳しく述べます。",
                                "Section 2, Notable events, looks at {subjects} in detail."},
    [TT_TEXT_SUMMARY_OTHERWISE] =
        {"その他については、多少の増減はありましたが、特筆すべき状況の変化は見られませんでした。",
         "Otherwise, apart from the usual ups and downs, nothing notable changed."},
    [TT_TEXT_SUMMARY_NO_EVENTS] = {"期間中、特筆すべき状況の変化は見られませんでした。",
                                   "Nothing notable changed in the period."},
    [TT_TEXT_PREVIOUS_QUARTER] = {"前四半期", "previous quarter"},
    [TT_TEXT_PREVIOUS_PERIOD] = {"前期間", "previous period"},
    [TT_TEXT_THIS_QUARTER] = {"本四半期", "this quarter"},
    [TT_TEXT_THIS_PERIOD] = {"本期間", "in this period"},
    [TT_TEXT_EVENTS_INTRO] =
        {"期間中に検出した注目すべき現象（突発的な増加、継続的な増加、トップ10への急浮上）について、"
         "送信元の地域やIPアドレス、知識ベースの情報とあわせて述べます。",
         "This section describes what stood out in the period (bursts, sustained rises, jumps into the top "
         "10): where the packets came from, who sent them, and what is known about the port."},
    [TT_TEXT_EVENTS_NONE] = {"期間中、注目すべき現象は検出されませんでした。",
                             "No notable event was detected in the period."},
    [TT_TEXT_EVENT_HEADING] = {"{port}宛パケットの{kinds}{category}", "Packets to {port}{category}: {kinds}"},
    [TT_TEXT_EVENT_HEADING_COUNTRY] = {"{country}からのパケットの{kinds}", "Packets from {country}: {kinds}"},
    [TT_TEXT_CATEGORY_SUFFIX] = {"（{category}関連）", " ({category})"},
    [TT_TEXT_KIND_BURST] = {"突発的な増加", "burst"},
    [TT_TEXT_KIND_RISE] = {"継続的な増加", "sustained rise"},
    [TT_TEXT_KIND_RANK_JUMP] = {"トップ10への急浮上", "jump into the top 10"},
    [TT_TEXT_SUBJECT_PORT] = {"{port}宛のパケット", "packets to {port}"},
    [TT_TEXT_SUBJECT_COUNTRY] = {"{country}からのパケット", "packets from {country}"},
    [TT_TEXT_EVENT_BURST] =
        {"{range}に、{subject}が突発的に増加しました。ピークの{peak}には{peak_packets}パケットを観測し、"
         "それ以前の水準（1日あたり約{baseline}パケット）の{ratio}倍に達しました。この間の合計は{packets}"
         "パケットです。",
         "On {range}, {subject} burst: {peak_packets} arrived on the peak day, {peak}, {ratio} times the "
         "usual level of about {baseline} per day. The burst brought {packets} packets in all."},
    [TT_TEXT_EVENT_BURST_FROM_NOTHING] =
        {"{range}に、それまでほとんど観測されていなかった{subject}が突発的に増加しました。ピークの{peak}には"
         "{peak_packets}パケットを観測し、この間の合計は{packets}パケットです。",
         "On {range}, {subject}, almost absent before, burst: {peak_packets} arrived on the peak day, "
         "{peak}, "
         "and {packets} packets in all."},
    [TT_TEXT_EVENT_RISE] =
        {"{start}頃から{subject}が継続的に増加し、{peak}には{peak_packets}パケットと、それ以前の水準"
         "（1日あたり約{baseline}パケット）の{ratio}倍に達しました。{range}の合計は{packets}パケットです。",
         "From around {start}, {subject} rose steadily, reaching {peak_packets} on {peak}, {ratio} times the "
         "earlier level of about {baseline} per day. In all, {packets} packets arrived {span}."},
    [TT_TEXT_EVENT_RISE_FROM_NOTHING] =
        {"{start}頃から、それまでほとんど観測されていなかった{subject}が継続的に増加し、{peak}には"
         "{peak_packets}パケットに達しました。{range}の合計は{packets}パケットです。",
         "From around {start}, {subject}, almost absent before, rose steadily to {peak_packets} on {peak}. "
         "In all, {packets} packets arrived {span}."},
    [TT_TEXT_EVENT_RANK_JUMP] = {"{subject}は、{prev_label}のトップ10圏外から第{rank}位に浮上しました（{"
                                 "range}の合計{packets}パケット）。",
                                 "{Subject} moved into the top 10 at rank {rank}, from outside it in the "
                                 "{prev_label} ({packets} packets {span})."},
    [TT_TEXT_EVENT_RANK_JUMP_OUT] = {"{subject}は、{prev_label}のトップ10圏外から大きく順位を上げました（{"
                                     "range}の合計{packets}パケット）。",
                                     "{Subject} climbed from outside the top 10 of the {prev_label} "
                                     "({packets} packets {span})."},
    [TT_TEXT_EVENT_COUNTRIES] = {"送信元地域は、{list}でした。", "By source region: {list}."},
    [TT_TEXT_EVENT_COUNTRIES_MAIN] =
        {"主に{country}を送信元とし（{share}）、ほかに{list}からも送信されていました。",
         "Most came from {country} ({share}), the rest from {list}."},
    [TT_TEXT_EVENT_COUNTRIES_ONLY] = {"送信元はすべて{country}でした。", "All of them came from {country}."},
    [TT_TEXT_EVENT_TOP_PORTS] = {"主な宛先ポート番号は{list}でした。",
                                 "The main destination ports were {list}."},
    [TT_TEXT_EVENT_SINGLE_SOURCE] =
        {"特定の送信元IPアドレス{ip}（{country}）が、この間のパケットの{share}を占めました。",
         "One source, {ip} ({country}), sent {share} of these packets."},
    [TT_TEXT_EVENT_TOP_SOURCES] =
        {"送信元IPアドレスの上位は{list}で、特定の送信元への偏りは見られませんでした。",
         "The largest sources were {list}; no single source dominated."},
    [TT_TEXT_EVENT_HISTORY] =
        {"この送信元IPアドレスが過去にどのようなポート番号に対する探索を行っていたかを調べたところ、"
         "{ports}に対する探索が確認できました。",
         "Its history in the store shows earlier scans of {ports}."},
    [TT_TEXT_EVENT_HISTORY_LATER] = {"この送信元IPアドレスは、その後{ports}に対する探索も行っていました。",
                                     "Later it also scanned {ports}."},
    [TT_TEXT_EVENT_HISTORY_ALSO] =
        {"この送信元IPアドレスの観測履歴を調べたところ、{ports}に対する探索も確認できました。",
         "Its history in the store shows scans of {ports} as well."},
    [TT_TEXT_EVENT_HISTORY_CATEGORY] = {"これらは主に{category}で使用されるポート番号です。",
                                        "These are mostly ports of {category}."},
    [TT_TEXT_EVENT_SOURCES_GROWTH] =
        {"送信元IPアドレス数は、増加前の{before}件から期間中は{during}件に増えており、"
         "送信元の広がりがうかがえます。",
         "The number of distinct sources grew from {before} before the event to "
         "{during} during it: more senders joined in."},
    [TT_TEXT_EVENT_SOURCES_SAME] =
        {"送信元IPアドレス数は、増加前が{before}件、期間中が{during}件でした。",
         "The number of distinct sources was {before} before the event and {during} "
         "during it."},
    [TT_TEXT_EVENT_SENSORS_ALL] = {"この現象はすべてのセンサーで観測されました。", "Every sensor saw it."},
    [TT_TEXT_EVENT_SENSORS_SOME] = {"この現象を観測したセンサーは{sensors}です。",
                                    "It was seen by {sensors}."},
    [TT_TEXT_EVENT_TOOLS] = {"パケットの特徴からは、主に{tools}による送信と推測されます。",
                             "Packet fingerprints point mostly to {tools}."},
    [TT_TEXT_EVENT_TOOLS_SOME] = {"一部のパケットには、{tools}の特徴が見られました。",
                                  "Some packets carry the fingerprints of {tools}."},
    [TT_TEXT_EVENT_IANA_NAME] = {"このポート番号は、IANAでは{service}として登録されています。",
                                 "IANA registers this port as {service}."},
    [TT_TEXT_EVENT_IANA_NONE] = {"このポート番号に、IANAが登録しているサービスはありません。",
                                 "IANA has no service registered on this port."},
    [TT_TEXT_EVENT_KB_INTRO] = {"知識ベースには、このポート番号について次の情報があります。",
                                "The knowledge base knows this port for:"},
    [TT_TEXT_EVENT_KB_NONE] = {"このポート番号について、知識ベースに登録された情報はありません。",
                               "The knowledge base has no entry for this port."},
    [TT_TEXT_EVENT_KB_LATER] = {"（{date}時点の情報で、観測期間より後のもの）",
                                "(knowledge dated {date}, after the period)"},
    [TT_TEXT_KB_PRODUCTS] = {"対象：{value}", "products: {value}"},
    [TT_TEXT_KB_CVES] = {"CVE：{value}", "CVE: {value}"},
    [TT_TEXT_KB_TOOLS] = {"ツール：{value}", "tools: {value}"},
    [TT_TEXT_KB_MALWARE] = {"マルウエア：{value}", "malware: {value}"},
    [TT_TEXT_EVENT_FIGURE_INTRO] =
        {"{from}以降の{subject}の観測数の推移を図{fig}に示します（網掛けは検出した期間）。",
         "Figure {fig} shows the daily {subject} since {from}; shading marks the "
         "detected events."},
    [TT_TEXT_EVENT_FIGURE_CAPTION] = {"{subject}の観測数の推移（{range}、日別）", "Daily {subject}, {range}"},
    [TT_TEXT_FIGURE] = {"図{n}", "Figure {n}"},
    [TT_TEXT_TABLE] = {"表{n}", "Table {n}"},
    [TT_TEXT_SENSOR_COUNT] = {"{n}台", "{n} sensors"},
    [TT_TEXT_SENSOR_COUNT_ONE] = {"1台", "1 sensor"},
    [TT_TEXT_REF_IANA] = {"Service Name and Transport Protocol Port Number Registry",
                          "Service Name and Transport Protocol Port Number Registry"},
    [TT_TEXT_UNKNOWN_COUNTRY] = {"不明", "unknown"},
    [TT_TEXT_FOOTER] =
        {"このレポートは、teiten {version} がストアに記録された観測データから自動生成しました。",
         "Generated by teiten {version} from the observations in its store."},
};

const char *tt_report_text(tt_report_lang lang, tt_text_id id)
{
    if ((unsigned)id >= TT_TEXT_COUNT)
        return "";
    const char *t = lang == TT_LANG_JA ? texts[id].ja : texts[id].en;
    return t ? t : "";
}

/* Bytes of s that fit in room bytes without splitting a UTF-8 sequence. */
static size_t utf8_fit(const char *s, size_t n, size_t room)
{
    if (n <= room)
        return n;
    size_t k = room;
    while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
        k--;
    return k;
}

const char *tt_report_expand(const char *template_text, const tt_text_var *vars, size_t nvars, char *buf,
                             size_t len)
{
    if (len == 0)
        return buf;
    size_t k = 0;
    bool full = false;
    for (const char *p = template_text; *p && !full;) {
        const char *piece = p;
        size_t n = 1;
        if (*p == '{') {
            const char *close = strchr(p + 1, '}');
            if (close) {
                size_t name_len = (size_t)(close - p - 1);
                for (size_t v = 0; v < nvars; v++) {
                    if (strlen(vars[v].name) == name_len && strncmp(vars[v].name, p + 1, name_len) == 0) {
                        piece = vars[v].value ? vars[v].value : "";
                        n = strlen(piece);
                        p = close + 1;
                        goto copy;
                    }
                }
            }
        }
        /* A literal run up to the next placeholder. */
        while (p[n] && p[n] != '{')
            n++;
        p += n;
    copy:;
        size_t fit = utf8_fit(piece, n, len - 1 - k);
        memcpy(buf + k, piece, fit);
        k += fit;
        full = fit < n;
    }
    buf[k] = '\0';
    return buf;
}

static const char *const months_short[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const months_long[12] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};

const char *tt_report_date(tt_report_lang lang, int32_t day, char *buf, size_t len)
{
    int y;
    unsigned m, d;
    tt_civil_from_days(day, &y, &m, &d);
    if (lang == TT_LANG_JA)
        snprintf(buf, len, "%d年%u月%u日", y, m, d);
    else
        snprintf(buf, len, "%u %s %d", d, months_short[m - 1], y);
    return buf;
}

const char *tt_report_date_range(tt_report_lang lang, int32_t first, int32_t last, char *buf, size_t len)
{
    if (last <= first)
        return tt_report_date(lang, first, buf, len);
    int y1, y2;
    unsigned m1, d1, m2, d2;
    tt_civil_from_days(first, &y1, &m1, &d1);
    tt_civil_from_days(last, &y2, &m2, &d2);
    if (lang == TT_LANG_JA) {
        if (y1 == y2 && m1 == m2)
            snprintf(buf, len, "%d年%u月%u日～%u日", y1, m1, d1, d2);
        else if (y1 == y2)
            snprintf(buf, len, "%d年%u月%u日～%u月%u日", y1, m1, d1, m2, d2);
        else
            snprintf(buf, len, "%d年%u月%u日～%d年%u月%u日", y1, m1, d1, y2, m2, d2);
    } else {
        if (y1 == y2 && m1 == m2)
            snprintf(buf, len, "%u–%u %s %d", d1, d2, months_short[m1 - 1], y1);
        else if (y1 == y2)
            snprintf(buf, len, "%u %s – %u %s %d", d1, months_short[m1 - 1], d2, months_short[m2 - 1], y1);
        else
            snprintf(buf, len, "%u %s %d – %u %s %d", d1, months_short[m1 - 1], y1, d2, months_short[m2 - 1],
                     y2);
    }
    return buf;
}

const char *tt_report_date_span(tt_report_lang lang, int32_t first, int32_t last, char *buf, size_t len)
{
    if (lang == TT_LANG_JA || last <= first) {
        if (lang == TT_LANG_JA)
            return tt_report_date_range(lang, first, last, buf, len);
        char date[32];
        snprintf(buf, len, "on %s", tt_report_date(lang, first, date, sizeof date));
        return buf;
    }
    int y1, y2;
    unsigned m1, d1, m2, d2;
    tt_civil_from_days(first, &y1, &m1, &d1);
    tt_civil_from_days(last, &y2, &m2, &d2);
    if (y1 == y2 && m1 == m2)
        snprintf(buf, len, "from %u to %u %s %d", d1, d2, months_short[m1 - 1], y1);
    else if (y1 == y2)
        snprintf(buf, len, "from %u %s to %u %s %d", d1, months_short[m1 - 1], d2, months_short[m2 - 1], y1);
    else
        snprintf(buf, len, "from %u %s %d to %u %s %d", d1, months_short[m1 - 1], y1, d2,
                 months_short[m2 - 1], y2);
    return buf;
}

const char *tt_report_quarter(tt_report_lang lang, int32_t first_day, char *buf, size_t len)
{
    int y;
    unsigned m, d;
    tt_civil_from_days(first_day, &y, &m, &d);
    unsigned last = m + 2 > 12 ? 12 : m + 2;
    if (lang == TT_LANG_JA)
        snprintf(buf, len, "%d年%u～%u月", y, m, last);
    else
        snprintf(buf, len, "%s–%s %d", months_long[m - 1], months_long[last - 1], y);
    return buf;
}

const char *tt_report_axis_day(tt_report_lang lang, int32_t day, char *buf, size_t len)
{
    int y;
    unsigned m, d;
    tt_civil_from_days(day, &y, &m, &d);
    if (lang == TT_LANG_JA)
        snprintf(buf, len, "%u/%u", m, d);
    else
        snprintf(buf, len, "%u %s", d, months_short[m - 1]);
    return buf;
}

const char *tt_report_count(uint64_t v, char *buf, size_t len)
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)v);
    char text[32];
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            text[k++] = ',';
        text[k++] = digits[i];
    }
    text[k] = '\0';
    snprintf(buf, len, "%s", text);
    return buf;
}

const char *tt_report_percent(double percent, char *buf, size_t len)
{
    if (percent > 0 && percent < 0.05)
        snprintf(buf, len, "<0.1%%");
    else
        snprintf(buf, len, "%.1f%%", percent);
    return buf;
}

const char *tt_report_ordinal(tt_report_lang lang, int rank, char *buf, size_t len)
{
    if (lang == TT_LANG_JA) {
        snprintf(buf, len, "%d", rank);
        return buf;
    }
    const char *suffix = "th";
    if (rank % 100 < 11 || rank % 100 > 13) {
        if (rank % 10 == 1)
            suffix = "st";
        else if (rank % 10 == 2)
            suffix = "nd";
        else if (rank % 10 == 3)
            suffix = "rd";
    }
    snprintf(buf, len, "%d%s", rank, suffix);
    return buf;
}

/* Common source and sensor countries. English names are the short forms
 * news and CSIRT reports use ("South Korea", not libloc's "Korea, Republic
 * of"); other countries fall back to libloc's name. Sorted by code. */
static const struct {
    char cc[3];
    const char *ja, *en;
} countries[] = {
    {"AE", "アラブ首長国連邦", "United Arab Emirates"},
    {"AR", "アルゼンチン", "Argentina"},
    {"AT", "オーストリア", "Austria"},
    {"AU", "オーストラリア", "Australia"},
    {"BD", "バングラデシュ", "Bangladesh"},
    {"BE", "ベルギー", "Belgium"},
    {"BG", "ブルガリア", "Bulgaria"},
    {"BR", "ブラジル", "Brazil"},
    {"BY", "ベラルーシ", "Belarus"},
    {"CA", "カナダ", "Canada"},
    {"CH", "スイス", "Switzerland"},
    {"CL", "チリ", "Chile"},
    {"CN", "中国", "China"},
    {"CO", "コロンビア", "Colombia"},
    {"CZ", "チェコ", "Czechia"},
    {"DE", "ドイツ", "Germany"},
    {"DK", "デンマーク", "Denmark"},
    {"EG", "エジプト", "Egypt"},
    {"ES", "スペイン", "Spain"},
    {"FI", "フィンランド", "Finland"},
    {"FR", "フランス", "France"},
    {"GB", "英国", "United Kingdom"},
    {"GR", "ギリシャ", "Greece"},
    {"HK", "香港", "Hong Kong"},
    {"HU", "ハンガリー", "Hungary"},
    {"ID", "インドネシア", "Indonesia"},
    {"IE", "アイルランド", "Ireland"},
    {"IL", "イスラエル", "Israel"},
    {"IN", "インド", "India"},
    {"IR", "イラン", "Iran"},
    {"IT", "イタリア", "Italy"},
    {"JP", "日本", "Japan"},
    {"KH", "カンボジア", "Cambodia"},
    {"KR", "韓国", "South Korea"},
    {"KZ", "カザフスタン", "Kazakhstan"},
    {"LT", "リトアニア", "Lithuania"},
    {"MO", "マカオ", "Macao"},
    {"MX", "メキシコ", "Mexico"},
    {"MY", "マレーシア", "Malaysia"},
    {"NL", "オランダ", "Netherlands"},
    {"NO", "ノルウェー", "Norway"},
    {"NZ", "ニュージーランド", "New Zealand"},
    {"PA", "パナマ", "Panama"},
    {"PH", "フィリピン", "Philippines"},
    {"PK", "パキスタン", "Pakistan"},
    {"PL", "ポーランド", "Poland"},
    {"PT", "ポルトガル", "Portugal"},
    {"RO", "ルーマニア", "Romania"},
    {"RU", "ロシア", "Russia"},
    {"SA", "サウジアラビア", "Saudi Arabia"},
    {"SC", "セーシェル", "Seychelles"},
    {"SE", "スウェーデン", "Sweden"},
    {"SG", "シンガポール", "Singapore"},
    {"TH", "タイ", "Thailand"},
    {"TR", "トルコ", "Türkiye"},
    {"TW", "台湾", "Taiwan"},
    {"UA", "ウクライナ", "Ukraine"},
    {"US", "米国", "United States"},
    {"VE", "ベネズエラ", "Venezuela"},
    {"VN", "ベトナム", "Vietnam"},
    {"ZA", "南アフリカ", "South Africa"},
};

const char *tt_report_country_name(tt_report_lang lang, const char *cc, const char *fallback)
{
    if (cc == NULL)
        return "";
    if (strcmp(cc, "ZZ") == 0 || cc[0] == '\0')
        return tt_report_text(lang, TT_TEXT_UNKNOWN_COUNTRY);
    for (size_t i = 0; i < sizeof countries / sizeof countries[0]; i++)
        if (strcmp(countries[i].cc, cc) == 0)
            return lang == TT_LANG_JA ? countries[i].ja : countries[i].en;
    return fallback && fallback[0] ? fallback : cc;
}

static const struct {
    const char *category, *ja, *en;
} categories[] = {
    {"ics", "制御システム", "industrial control systems"},
    {"iot", "IoT機器", "IoT devices"},
    {"database", "データベース", "databases"},
    {"remote-access", "リモートアクセス", "remote access"},
    {"web", "Webサーバ", "web servers"},
    {"reflection", "リフレクション攻撃", "reflection attacks"},
    {"file-sharing", "ファイル共有", "file sharing"},
    {"mail", "メール", "mail"},
    {"container", "コンテナ基盤", "container platforms"},
};

const char *tt_report_category_name(tt_report_lang lang, const char *category)
{
    if (category == NULL)
        return "";
    for (size_t i = 0; i < sizeof categories / sizeof categories[0]; i++)
        if (strcmp(categories[i].category, category) == 0)
            return lang == TT_LANG_JA ? categories[i].ja : categories[i].en;
    return category;
}

static const struct {
    const char *kind, *ja, *en;
} tools[] = {
    {"mirai", "Mirai系のマルウエア", "Mirai-family malware"},
    {"masscan", "Masscan", "Masscan"},
    {"zmap", "ZMap", "ZMap"},
    {"nmap", "Nmap", "Nmap"},
    {"unicornscan", "Unicornscan", "Unicornscan"},
    {"generic_syn", "汎用的なSYNスキャナ", "a generic SYN scanner"},
    {"backscatter_synack", "バックスキャッタ（DoS攻撃の被害者からの応答）",
     "backscatter (replies of DoS victims)"},
    {"backscatter_rst", "バックスキャッタ（DoS攻撃の被害者からの応答）",
     "backscatter (replies of DoS victims)"},
    {"backscatter_icmp", "バックスキャッタ（DoS攻撃の被害者からの応答）",
     "backscatter (replies of DoS victims)"},
};

const char *tt_report_tool_name(tt_report_lang lang, const char *kind)
{
    if (kind == NULL || strcmp(kind, "other") == 0)
        return NULL;
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++)
        if (strcmp(tools[i].kind, kind) == 0)
            return lang == TT_LANG_JA ? tools[i].ja : tools[i].en;
    return kind;
}

bool tt_report_lang_parse(const char *text, tt_report_lang *out)
{
    if (strcmp(text, "ja") == 0)
        *out = TT_LANG_JA;
    else if (strcmp(text, "en") == 0)
        *out = TT_LANG_EN;
    else
        return false;
    return true;
}

bool tt_report_format_parse(const char *text, tt_report_format *out)
{
    if (strcmp(text, "html") == 0)
        *out = TT_REPORT_HTML;
    else if (strcmp(text, "md") == 0 || strcmp(text, "markdown") == 0)
        *out = TT_REPORT_MD;
    else if (strcmp(text, "json") == 0)
        *out = TT_REPORT_JSON;
    else
        return false;
    return true;
}
