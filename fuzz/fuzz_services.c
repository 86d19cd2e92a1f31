/* Fuzz target: services(5) file parsing. */
#include <stddef.h>
#include <stdint.h>

#include "classify/services.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tt_services *services;
    if (tt_services_parse((const char *)data, size, &services) != TT_OK)
        return 0;
    (void)tt_services_name(services, 6, 23);
    (void)tt_services_name(services, 17, 53413);
    tt_services_free(services);
    return 0;
}
