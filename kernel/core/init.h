/* Starting process 1 from the initrd. */
#ifndef KENIX_CORE_INIT_H
#define KENIX_CORE_INIT_H

#include <stdbool.h>

/* Starts kenix.init=PATH (default /init) from the initrd; false if there is none. */
bool start_init(void);

#endif
