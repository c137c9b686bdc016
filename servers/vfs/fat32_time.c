/*
 * vfat: FAT's dates and times (fat32.h has the layering). Pure.
 *
 * A FAT date is years since 1980 (7 bits), month, day; a time is hours,
 * minutes and seconds / 2; a creation time adds hundredths (0-199: the odd
 * second and its fraction). FAT stores local time; Kenix's local time is UTC,
 * so no offset is applied (Linux's tz=UTC). Times outside 1980-01-01 00:00:00
 * .. 2107-12-31 23:59:58 are clamped to the nearest end, as Linux does.
 */
#include "fat32.h"

#define DAY 86400
#define FAT_FIRST_DAY 3652 /* 1980-01-01, in days since 1970-01-01 */
#define FAT_LAST_YEAR 2107

static bool leap(uint32_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static const uint16_t month_start[13] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365 };

/* Days from 1980-01-01 to January 1st of year y (y >= 1980). */
static int64_t days_to_year(uint32_t y)
{
    uint32_t p = y - 1; /* leap years in [1980, y) = leap years up to p minus those up to 1979 */
    int64_t leaps = (int64_t)(p / 4 - p / 100 + p / 400) - (1979 / 4 - 1979 / 100 + 1979 / 400);
    return 365 * (int64_t)(y - 1980) + leaps;
}

static int64_t days_to_month(uint32_t y, uint32_t m) /* m: 1..12 */
{
    return month_start[m - 1] + (m > 2 && leap(y) ? 1 : 0);
}

static int64_t fat_max_seconds(void)
{
    return (FAT_FIRST_DAY + days_to_year(FAT_LAST_YEAR + 1)) * (int64_t)DAY - 2;
}

void fat_time_to_disk(struct vfs_time t, uint16_t *date, uint16_t *time, uint8_t *cs)
{
    int64_t s = t.sec;
    uint32_t nsec = t.nsec;
    if (s < FAT_FIRST_DAY * (int64_t)DAY) {
        s = FAT_FIRST_DAY * (int64_t)DAY;
        nsec = 0;
    } else if (s > fat_max_seconds()) {
        s = fat_max_seconds();
        nsec = 0;
    }
    int64_t days = s / DAY - FAT_FIRST_DAY;
    uint32_t secs = (uint32_t)(s % DAY);
    /* The year: an estimate from below, then forward (at most one or two steps). */
    uint32_t y = 1980 + (uint32_t)(days / 366);
    while (days_to_year(y + 1) <= days)
        y++;
    int64_t yday = days - days_to_year(y);
    uint32_t m = 1;
    while (m < 12 && days_to_month(y, m + 1) <= yday)
        m++;
    uint32_t d = (uint32_t)(yday - days_to_month(y, m)) + 1;
    *date = (uint16_t)((y - 1980) << 9 | m << 5 | d);
    *time = (uint16_t)((secs / 3600) << 11 | (secs / 60 % 60) << 5 | (secs % 60) / 2);
    if (cs)
        *cs = (uint8_t)((secs % 2) * 100 + nsec / 10000000u);
}

struct vfs_time fat_time_from_disk(uint16_t date, uint16_t time, uint8_t cs)
{
    uint32_t y = 1980 + (date >> 9);
    uint32_t m = (date >> 5) & 0xf, d = date & 0x1f;
    /* Nonsense fields (month 0 or 13-15, day 0) come out as the nearest sense. */
    if (m < 1)
        m = 1;
    if (m > 12)
        m = 12;
    if (d < 1)
        d = 1;
    int64_t days = FAT_FIRST_DAY + days_to_year(y) + days_to_month(y, m) + d - 1;
    int64_t secs = (int64_t)(time >> 11) * 3600 + ((time >> 5) & 0x3f) * 60 + (time & 0x1f) * 2;
    if (cs > 199)
        cs = 199;
    struct vfs_time t = { days * DAY + secs + cs / 100, (uint32_t)(cs % 100) * 10000000u };
    return t;
}

struct vfs_time fat_time_mtime(struct vfs_time t)
{
    uint16_t date, time;
    fat_time_to_disk(t, &date, &time, NULL);
    return fat_time_from_disk(date, time, 0);
}

struct vfs_time fat_time_adate(struct vfs_time t)
{
    uint16_t date, time;
    fat_time_to_disk(t, &date, &time, NULL);
    return fat_time_from_disk(date, 0, 0);
}
