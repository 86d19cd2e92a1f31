/* Writes classic pcap (microsecond) and pcapng files by hand, little-endian,
 * through one large buffer per file: the simulator writes ~1 GB for ten
 * million packets and per-frame stdio calls would dominate. */
#ifndef TT_SIMULATE_PCAP_WRITER_H
#define TT_SIMULATE_PCAP_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "simulate/sensors.h"
#include "util/status.h"

typedef struct tt_sim_writer tt_sim_writer;

/* Snapshot length stated in the file headers. Frames cut shorter than their
 * wire length ("truncated") state their own captured length. */
#define TT_SIM_SNAPLEN 65535

/* Creates `path` and writes the file header (pcapng: section header and one
 * interface description named if_name, linktype, microsecond timestamps). */
TT_MUST_CHECK tt_status tt_sim_writer_open(const char *path, tt_sim_file_format format, int linktype,
                                           const char *if_name, tt_sim_writer **out, char *err,
                                           size_t errlen);

/* Appends one frame; ts_us is microseconds since the epoch. */
TT_MUST_CHECK tt_status tt_sim_writer_frame(tt_sim_writer *w, uint64_t ts_us, const uint8_t *frame,
                                            uint32_t caplen, uint32_t wirelen);

/* errno of the first failed write (0: none). */
int tt_sim_writer_errno(const tt_sim_writer *w);

/* Flushes and closes; frees w (also on error). Accepts NULL. */
TT_MUST_CHECK tt_status tt_sim_writer_close(tt_sim_writer *w, char *err, size_t errlen);

#endif
