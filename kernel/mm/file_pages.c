/* A file's frames shared by lazy mappings and the program cache (file_pages.h). */
#include "file_pages.h"

#include "frames.h"
#include "heap.h"

struct file_pages *file_pages_alloc(uint64_t capacity)
{
    struct file_pages *fp = kzalloc(sizeof(*fp));
    uint64_t *frames = fp && capacity ? kzalloc(capacity * sizeof(*frames)) : 0;
    if (fp && capacity && !frames) {
        kfree(fp);
        return 0;
    }
    if (fp) {
        fp->refs = 1;
        fp->frames = frames;
    }
    return fp;
}

struct file_pages *file_pages_get(struct file_pages *fp)
{
    __atomic_fetch_add(&fp->refs, 1, __ATOMIC_RELAXED);
    return fp;
}

void file_pages_put(struct file_pages *fp)
{
    if (__atomic_sub_fetch(&fp->refs, 1, __ATOMIC_ACQ_REL))
        return;
    for (uint64_t i = 0; i < fp->npages; i++)
        if (fp->frames[i])
            frame_unref(fp->frames[i]);
    kfree(fp->frames);
    kfree(fp);
}
