/* Fuzz target: configuration file parsing (sections, sensors, prefixes). */
#include <stddef.h>
#include <stdint.h>

#include "cli/settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tt_settings settings;
    char err[512];
    if (tt_settings_init(&settings) != TT_OK)
        return 0;
    if (tt_settings_parse(&settings, (const char *)data, size, "fuzz.conf", err, sizeof err) == TT_OK &&
        tt_settings_finish(&settings, err, sizeof err) == TT_OK) {
        tt_addr probe;
        tt_addr_from_v4(&probe, 0xC6336401u);
        (void)tt_sensor_map_lookup(settings.sensors, &probe);
    }
    tt_settings_free(&settings);
    return 0;
}
