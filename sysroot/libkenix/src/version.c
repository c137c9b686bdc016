#include <kenix/libkenix.h>

const char *kenix_libkenix_version(void)
{
    return KENIX_VERSION_STRING;
}
