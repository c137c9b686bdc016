/* The Kenix release, shared by the kernel banner and libkenix. */
#ifndef KENIX_UAPI_VERSION_H
#define KENIX_UAPI_VERSION_H

#define KENIX_VERSION_MAJOR 0
#define KENIX_VERSION_MINOR 1
#define KENIX_VERSION_PATCH 0
#define KENIX_VERSION_STRING "0.1.0"

#endif
