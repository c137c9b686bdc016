/*
 * vfat: the boot sector's BIOS parameter block, parsed and checked before
 * anything else is read (fat32.h has the layering). Pure: bytes in, struct
 * fat_geom or a sentence out.
 *
 * Every value used later to compute an offset is bounded here, so the rest
 * of the code can trust the geometry: sector and cluster sizes are powers of
 * two, the FATs and the data area lie inside the volume, the FAT has an entry
 * for every cluster, and the volume lies inside the device.
 *
 * FAT32 is what the BPB's layout says (no 16-bit FAT size, no fixed root
 * directory), as Linux decides: the spec decides by the cluster count alone
 * (65,525 or more), but mkfs.fat makes FAT32 volumes with fewer clusters
 * when asked and Linux and fsck.fat take them. FAT12 and FAT16 layouts are
 * refused ("not FAT32"), as are FAT32 versions other than 0.0.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fat32.h"

static uint32_t le16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const uint8_t *p) { return le16(p) | le16(p + 2) << 16; }

static bool pow2(uint32_t x) { return x && !(x & (x - 1)); }

__attribute__((format(printf, 3, 4))) static int refuse(char *msg, size_t cap, const char *fmt, ...)
{
    if (cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, cap, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

int fat_bpb_parse(const uint8_t *sec, size_t sec_len, uint64_t dev_bytes, struct fat_geom *g, char *msg,
                  size_t cap)
{
    memset(g, 0, sizeof(*g));
    if (cap)
        msg[0] = 0;
    if (sec_len < 512)
        return refuse(msg, cap, "device too small for a boot sector (%llu bytes)", (unsigned long long)dev_bytes);
    if (sec[510] != 0x55 || sec[511] != 0xaa)
        return refuse(msg, cap, "bad boot signature 0x%02x%02x (not a FAT file system)", sec[510], sec[511]);
    uint32_t bps = le16(sec + 11), spc = sec[13], reserved = le16(sec + 14), nfats = sec[16];
    uint32_t root_entries = le16(sec + 17), media = sec[21], fatsz16 = le16(sec + 22);
    uint64_t total = le16(sec + 19) ? le16(sec + 19) : le32(sec + 32);
    if (!pow2(bps) || bps < 512 || bps > 4096)
        return refuse(msg, cap, "bad logical sector size %u (512 to 4096, a power of two)", bps);
    if (!pow2(spc))
        return refuse(msg, cap, "bad sectors per cluster %u (a power of two)", spc);
    if (reserved == 0)
        return refuse(msg, cap, "no reserved sectors");
    if (nfats == 0 || nfats > 4)
        return refuse(msg, cap, "bad number of FATs %u", nfats);
    if (media != 0xf0 && media < 0xf8)
        return refuse(msg, cap, "bad media byte 0x%02x", media);
    if (total == 0)
        return refuse(msg, cap, "no sectors in the volume");
    /* Which FAT: the spec decides by the cluster count alone. */
    uint64_t fatsz = fatsz16 ? fatsz16 : le32(sec + 36);
    uint64_t root_dir_sectors = ((uint64_t)root_entries * DE_SIZE + bps - 1) / bps;
    uint64_t meta = reserved + (uint64_t)nfats * fatsz + root_dir_sectors;
    if (fatsz == 0 || meta >= total)
        return refuse(msg, cap, "the FATs (%llu sectors) leave no data area in %llu sectors",
                      (unsigned long long)(nfats * fatsz), (unsigned long long)total);
    uint64_t clusters = (total - meta) / spc;
    if (fatsz16 || root_entries)
        return refuse(msg, cap, "not FAT32 (a FAT%d volume: %llu clusters); only FAT32 is supported",
                      clusters < 4085 ? 12 : 16, (unsigned long long)clusters);
    if (clusters > FAT32_MAX_CLUSTERS)
        return refuse(msg, cap, "too many clusters for FAT32 (%llu)", (unsigned long long)clusters);
    uint32_t version = le16(sec + 42);
    if (version != 0)
        return refuse(msg, cap, "unsupported FAT32 version %u.%u", version >> 8, version & 0xff);
    uint64_t fat_entries = fatsz * bps / 4;
    if (fat_entries < clusters + 2)
        return refuse(msg, cap, "FAT too small: %llu entries for %llu clusters", (unsigned long long)fat_entries,
                      (unsigned long long)clusters);
    uint32_t root = le32(sec + 44) & FAT_MASK;
    if (root < 2 || root - 2 >= clusters)
        return refuse(msg, cap, "root directory cluster %u out of range (2 to %llu)", root,
                      (unsigned long long)clusters + 1);
    uint64_t need = total * bps;
    if (dev_bytes < need)
        return refuse(msg, cap, "device smaller (%llu bytes) than the volume the boot sector describes (%llu)",
                      (unsigned long long)dev_bytes, (unsigned long long)need);
    uint32_t ext = le16(sec + 40);
    uint32_t fsinfo = le16(sec + 48);

    g->sector_size = bps;
    g->cluster_size = bps * spc;
    g->cluster_shift = 0;
    while ((1u << g->cluster_shift) < g->cluster_size)
        g->cluster_shift++;
    g->reserved = reserved;
    g->nfats = nfats;
    g->fat_sectors = (uint32_t)fatsz;
    g->total_sectors = total;
    g->fat_off = (uint64_t)reserved * bps;
    g->fat_bytes = fatsz * bps;
    g->data_off = meta * bps;
    g->nclusters = (uint32_t)clusters;
    g->root_cluster = root;
    /* FSInfo: a sector inside the reserved area other than the boot sector. */
    g->fsinfo_sector = fsinfo >= 1 && fsinfo < reserved ? fsinfo : 0;
    /* ExtFlags bit 7: only the active FAT (bits 0-3) is in use. */
    g->mirror = !(ext & 0x80);
    g->active_fat = g->mirror ? 0 : ext & 0xf;
    if (g->active_fat >= nfats)
        return refuse(msg, cap, "active FAT %u of %u does not exist", g->active_fat, nfats);
    return 0;
}
