/*
 * Permissions with Linux's rules, checked by children that drop from root to
 * other users (setgroups, setresgid, setresuid): the owner/group/other bits
 * for read, write, execute and search (the first class that matches decides),
 * supplementary groups, root's bypass (but not of every x bit), O_TRUNC
 * needing write, creating and removing needing write and search on the
 * directory, moving a directory to another parent needing write on it,
 * sticky directories, set-group-ID directories, chmod/chown rules and the
 * set-ID bits they and writes clear, utimensat by owner and others, access()
 * with the real ids against AT_EACCESS with the effective ones.
 *
 * The program runs as root; its scratch directory is made searchable (0755)
 * so the users can reach what it prepares for them. Nothing here depends on
 * Linux's fs.protected_* settings (no user follows, hard-links or O_CREATs
 * another's file in a sticky directory).
 */
#define _GNU_SOURCE
#include <grp.h>
#include <sys/sysmacros.h>

#include "fs_test.h"

#define ALICE 1000 /* group 1000; supplementary 2000, 3000 */
#define BOB 1001   /* group 1001; none */
#define CAROL 1002 /* group 1002; supplementary 2000 */
#define STAFF 2000
#define PROJ 3000

struct user {
    const char *name;
    uid_t ruid, euid;
    gid_t rgid, egid;
    int ngroups;
    gid_t groups[4];
};

static const struct user alice = { "alice", ALICE, ALICE, ALICE, ALICE, 2, { STAFF, PROJ } };
static const struct user bob = { "bob", BOB, BOB, BOB, BOB, 0, { 0 } };
static const struct user carol = { "carol", CAROL, CAROL, CAROL, CAROL, 1, { STAFF } };
static const struct user carol_alone = { "carol without her groups", CAROL, CAROL, CAROL, CAROL, 0, { 0 } };
static const struct user root_user = { "root", 0, 0, 0, 0, 0, { 0 } };
/* real and effective ids apart */
static const struct user alice_as_bob = { "real alice, effective bob", ALICE, BOB, ALICE, BOB, 0, { 0 } };
static const struct user root_as_bob = { "real root, effective bob", 0, BOB, 0, BOB, 0, { 0 } };
static const struct user bob_real_staff = { "bob with real gid staff", BOB, BOB, STAFF, BOB, 0, { 0 } };

struct as_user {
    const struct user *u;
    void (*fn)(void);
};

static int as_user_child(void *arg)
{
    struct as_user *a = arg;
    umask(022);
    if (setgroups((size_t)a->u->ngroups, a->u->groups) != 0 || setresgid(a->u->rgid, a->u->egid, a->u->egid) != 0 ||
        setresuid(a->u->ruid, a->u->euid, a->u->euid) != 0) {
        ccheckf(false, "%s: dropping to uid %u/%u gid %u/%u -> %s", a->u->name, a->u->ruid, a->u->euid, a->u->rgid,
                a->u->egid, errname(errno));
        return 1;
    }
    a->fn();
    return 0;
}

/* Runs fn in a child with u's credentials; its lines are counted here. */
static void as(const struct user *u, void (*fn)(void))
{
    struct as_user a = { u, fn };
    char name[96];
    snprintf(name, sizeof(name), "as %s", u->name);
    run_child_ok(name, as_user_child, &a);
}

/* A file made by root, then given to uid:gid with `mode` (chmod after chown). */
static void prepare(const char *path, const char *data, uid_t uid, gid_t gid, mode_t mode)
{
    put_file(path, data, strlen(data), 0600);
    chown(path, uid, gid);
    chmod(path, mode);
}

static void prepare_dir(const char *path, uid_t uid, gid_t gid, mode_t mode)
{
    mkdir(path, 0700);
    chown(path, uid, gid);
    chmod(path, mode);
}

static res_t try_open(const char *path, int flags)
{
    res_t r = res(open(path, flags, 0644));
    if (r.ret >= 0)
        close((int)r.ret);
    return r;
}

static unsigned perm_of(const char *path)
{
    return mode_of(path) & 07777;
}

static gid_t gid_of(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 ? st.st_gid : (gid_t)-1;
}

/* --- the class that matches decides ----------------------------------------------------------- */

static void bits_setup(void)
{
    mkdir(P("bits"), 0755);
    prepare(P("bits/f640"), "data", ALICE, STAFF, 0640);
    prepare(P("bits/f070"), "data", ALICE, ALICE, 0070);
    prepare(P("bits/f604"), "data", ALICE, STAFF, 0604);
    prepare(P("bits/f444"), "data", ALICE, ALICE, 0444);
    prepare(P("bits/f222"), "data", ALICE, ALICE, 0222);
    prepare(P("bits/f000"), "data", ALICE, ALICE, 0);
    prepare(P("bits/x700"), "#!/bin/sh\n", ALICE, ALICE, 0700);
    prepare(P("bits/x010"), "#!/bin/sh\n", ALICE, STAFF, 0010);
    prepare(P("bits/x001"), "#!/bin/sh\n", ALICE, ALICE, 0001);
    prepare(P("bits/x644"), "#!/bin/sh\n", 0, 0, 0644);
    prepare(P("bits/proj"), "data", 0, PROJ, 0060);
}

static void bits_alice(void)
{
    expect_ok(try_open(P("bits/f640"), O_RDWR), "owner rw- (0640): open O_RDWR");
    expect_err(try_open(P("bits/f070"), O_RDONLY), EACCES, "owner --- group rwx (0070), she is in the group too: open");
    expect_ok(try_open(P("bits/f444"), O_RDONLY), "owner r-- (0444): open O_RDONLY");
    expect_err(try_open(P("bits/f444"), O_WRONLY), EACCES, "owner r-- (0444): open O_WRONLY");
    expect_err(try_open(P("bits/f444"), O_RDWR), EACCES, "owner r-- (0444): open O_RDWR");
    expect_err(try_open(P("bits/f444"), O_RDONLY | O_TRUNC), EACCES, "owner r-- (0444): O_RDONLY|O_TRUNC needs write");
    ccheckf(file_is(P("bits/f444"), "data"), "the refused O_TRUNC left the data (\"%s\")", contents(P("bits/f444")));
    expect_err(res(truncate(P("bits/f444"), 0)), EACCES, "truncate of a 0444 file, as its owner");
    expect_err(try_open(P("bits/f222"), O_RDONLY), EACCES, "owner -w- (0222): open O_RDONLY");
    expect_ok(try_open(P("bits/f222"), O_WRONLY), "owner -w- (0222): open O_WRONLY");
    expect_err(try_open(P("bits/f000"), O_RDONLY), EACCES, "owner --- (0000): open O_RDONLY");
    expect_ok(res(access(P("bits/x700"), X_OK)), "owner rwx (0700): access(X_OK)");
    expect_err(res(access(P("bits/x001"), X_OK)), EACCES, "owner --- other --x (0001): access(X_OK) as the owner");
    expect_err(res(access(P("bits/x010"), X_OK)), EACCES, "owner --- group --x (0010): access(X_OK) as the owner");
    expect_ok(try_open(P("bits/proj"), O_RDWR), "group rw- (0060) through her supplementary group %d: O_RDWR", PROJ);
    expect_ok(res(access(P("bits/f640"), R_OK | W_OK)), "access(R_OK|W_OK) of her 0640 file");
    expect_err(res(access(P("bits/f444"), W_OK)), EACCES, "access(W_OK) of her 0444 file");
}

static void bits_carol(void)
{
    expect_ok(try_open(P("bits/f640"), O_RDONLY), "group r-- (0640) through the supplementary group: O_RDONLY");
    expect_err(try_open(P("bits/f640"), O_WRONLY), EACCES, "group r-- (0640): O_WRONLY");
    expect_err(try_open(P("bits/f604"), O_RDONLY), EACCES, "group --- other r-- (0604), as a member: O_RDONLY");
    expect_ok(res(access(P("bits/x010"), X_OK)), "group --x (0010), as a member: access(X_OK)");
    expect_err(try_open(P("bits/f070"), O_RDONLY), EACCES, "0070 of group 1000, not hers: others' --- ");
    expect_err(try_open(P("bits/proj"), O_RDONLY), EACCES, "0060 of group %d, not hers", PROJ);
}

static void bits_carol_alone(void)
{
    expect_err(try_open(P("bits/f640"), O_RDONLY), EACCES, "0640 without the supplementary group: others' ---");
    expect_ok(try_open(P("bits/f604"), O_RDONLY), "0604 without the supplementary group: others' r--");
    expect_err(res(access(P("bits/x010"), X_OK)), EACCES, "0010 without the supplementary group: access(X_OK)");
}

static void bits_bob(void)
{
    expect_err(try_open(P("bits/f640"), O_RDONLY), EACCES, "other --- (0640): O_RDONLY");
    expect_ok(try_open(P("bits/f604"), O_RDONLY), "other r-- (0604): O_RDONLY");
    expect_err(try_open(P("bits/f604"), O_WRONLY), EACCES, "other r-- (0604): O_WRONLY");
    expect_err(res(access(P("bits/x700"), X_OK)), EACCES, "other --- (0700): access(X_OK)");
    expect_ok(res(access(P("bits/x001"), X_OK)), "other --x (0001): access(X_OK)");
    expect_err(res(access(P("bits/x001"), R_OK)), EACCES, "other --x (0001): access(R_OK)");
    struct stat st;
    expect_ok(res(stat(P("bits/f640"), &st)), "stat of a file he may not read (search on the dir is enough)");
    char *argv[] = { "x", NULL }, *envp[] = { NULL };
    expect_err(res(execve(P("bits/x700"), argv, envp)), EACCES, "execve(0700 file of alice's)");
}

static void bits_root(void)
{
    expect_ok(try_open(P("bits/f000"), O_RDWR), "root: O_RDWR of a 0000 file");
    expect_ok(try_open(P("bits/f070"), O_RDWR), "root: O_RDWR of a 0070 file");
    expect_ok(res(access(P("bits/x001"), X_OK)), "root: access(X_OK) of a file with one x bit (0001)");
    expect_err(res(access(P("bits/x644"), X_OK)), EACCES, "root: access(X_OK) of a 0644 file");
    char *argv[] = { "x", NULL }, *envp[] = { NULL };
    expect_err(res(execve(P("bits/x644"), argv, envp)), EACCES, "root: execve of a 0644 script (no x bit)");
    expect_err(res(execve(P("bits/f000"), argv, envp)), EACCES, "root: execve of a 0000 file");
    expect_err(res(execve(P("bits"), argv, envp)), EACCES, "root: execve of a directory");
    expect_err(res(execve(P("bits/missing"), argv, envp)), ENOENT, "root: execve of a missing file");
}

/* --- directories: search, read, write ----------------------------------------------------------- */

static void dirs_setup(void)
{
    prepare_dir(P("d700"), 0, 0, 0700);
    prepare(P("d700/f"), "f", 0, 0, 0644);
    prepare_dir(P("d711"), 0, 0, 0711);
    prepare(P("d711/f"), "f", 0, 0, 0644);
    prepare_dir(P("d711/inner"), 0, 0, 0700);
    prepare(P("d711/inner/f"), "f", 0, 0, 0644);
    prepare_dir(P("d744"), 0, 0, 0744);
    prepare(P("d744/f"), "f", 0, 0, 0644);
    prepare_dir(P("d755"), 0, 0, 0755);
    prepare(P("d755/f"), "f", 0, 0, 0666);
    prepare_dir(P("d755/sub"), 0, 0, 0777);
    prepare_dir(P("d733"), 0, 0, 0733);
    prepare(P("d733/f"), "f", 0, 0, 0644);
    prepare_dir(P("d766"), 0, 0, 0766);
    prepare_dir(P("own555"), BOB, BOB, 0555);
    prepare_dir(P("mv"), BOB, BOB, 0755);
    prepare_dir(P("mv/p1"), BOB, BOB, 0755);
    prepare_dir(P("mv/p2"), BOB, BOB, 0755);
    prepare_dir(P("mv/p1/ro"), BOB, BOB, 0555);
    prepare_dir(P("mv/p1/rw"), BOB, BOB, 0755);
}

static void dirs_bob(void)
{
    struct stat st;
    expect_err(res(stat(P("d700/f"), &st)), EACCES, "stat(d700/f): no search on d700");
    expect_err(try_open(P("d700/f"), O_RDONLY), EACCES, "open(d700/f)");
    expect_err(try_open(P("d700"), O_RDONLY | O_DIRECTORY), EACCES, "open(d700) to list it");
    expect_ok(try_open(P("d711/f"), O_RDONLY), "open(d711/f): search without read is enough to reach a name");
    expect_err(try_open(P("d711"), O_RDONLY | O_DIRECTORY), EACCES, "open(d711) to list it: no read");
    expect_err(res(stat(P("d711/inner/f"), &st)), EACCES, "stat(d711/inner/f): no search on inner (0700)");
    int d = open(P("d744"), O_RDONLY | O_DIRECTORY);
    static char buf[4096];
    long n = d >= 0 ? syscall(SYS_getdents64, d, buf, sizeof(buf)) : -1;
    ccheckf(d >= 0 && n > 0, "open(d744) and getdents64: read without search lists the names (%ld bytes)", n);
    if (d >= 0)
        close(d);
    expect_err(res(stat(P("d744/f"), &st)), EACCES, "stat(d744/f): no search");
    expect_err(try_open(P("d755/new"), O_CREAT | O_WRONLY), EACCES, "create in d755 (no write)");
    expect_err(res(mkdir(P("d755/newdir"), 0755)), EACCES, "mkdir in d755");
    expect_err(res(unlink(P("d755/f"))), EACCES, "unlink(d755/f): a 0666 file, but no write on the dir");
    expect_err(res(rename(P("d755/f"), P("d755/g"))), EACCES, "rename within d755");
    expect_err(res(rename(P("d755/f"), P("d755/sub/f"))), EACCES, "rename out of d755 into a 0777 dir");
    expect_err(res(rmdir(P("d755/sub"))), EACCES, "rmdir(d755/sub)");
    expect_err(res(symlink("x", P("d755/l"))), EACCES, "symlink in d755");
    expect_err(res(mkfifo(P("d755/fifo"), 0644)), EACCES, "mkfifo in d755");
    expect_ok(try_open(P("d755/f"), O_WRONLY), "open(d755/f, O_WRONLY): the file's own bits (0666) allow it");
    expect_ok(try_open(P("d733/bobs"), O_CREAT | O_WRONLY), "create in d733 (others -wx)");
    ccheckf(mode_of(P("d733/bobs")) != 0 && !S_ISDIR(mode_of(P("d733/bobs"))), "his file is there");
    struct stat own;
    stat(P("d733/bobs"), &own);
    ccheckf(own.st_uid == BOB && own.st_gid == BOB, "a new file is owned by the creator's fsuid:fsgid (%u:%u)", own.st_uid,
            own.st_gid);
    expect_ok(res(unlink(P("d733/f"))), "unlink root's file in d733 (not sticky: write and search on the dir suffice)");
    expect_err(try_open(P("d766/new"), O_CREAT | O_WRONLY), EACCES, "create in d766 (others rw-, no search)");
    expect_err(try_open(P("own555/new"), O_CREAT | O_WRONLY), EACCES, "create in his own 0555 dir");
    expect_err(res(mknod(P("d733/null"), S_IFCHR | 0666, makedev(1, 3))), EPERM, "mknod of a character device");
    expect_ok(res(mknod(P("d733/fifo"), S_IFIFO | 0644, 0)), "mknod of a FIFO");

    /* moving a directory to another parent rewrites its "..": it needs write on it */
    expect_err(res(rename(P("mv/p1/ro"), P("mv/p2/ro"))), EACCES, "rename his 0555 dir to another parent");
    expect_ok(res(rename(P("mv/p1/ro"), P("mv/p1/ro2"))), "rename his 0555 dir within its parent");
    expect_ok(res(rename(P("mv/p1/rw"), P("mv/p2/rw"))), "rename his 0755 dir to another parent");
}

/* --- sticky directories ----------------------------------------------------------------------- */

static void sticky_alice(void)
{
    expect_ok(try_open(P("sticky/a"), O_CREAT | O_WRONLY), "create sticky/a");
    chmod(P("sticky/a"), 0666);
    expect_ok(res(mkdir(P("sticky/adir"), 0777)), "mkdir sticky/adir");
    expect_ok(try_open(P("sticky2/a"), O_CREAT | O_WRONLY), "create sticky2/a (sticky2 is bob's)");
    expect_ok(try_open(P("sticky/mine"), O_CREAT | O_WRONLY), "create sticky/mine");
}

static void sticky_bob(void)
{
    expect_err(res(unlink(P("sticky/a"))), EPERM, "unlink alice's 0666 file in a sticky dir");
    expect_err(res(rename(P("sticky/a"), P("sticky/b"))), EPERM, "rename alice's file in a sticky dir");
    expect_err(res(rmdir(P("sticky/adir"))), EPERM, "rmdir alice's dir in a sticky dir");
    expect_ok(try_open(P("sticky/bf"), O_CREAT | O_WRONLY), "create his own sticky/bf");
    expect_err(res(rename(P("sticky/bf"), P("sticky/a"))), EPERM, "rename his file over alice's in a sticky dir");
    expect_ok(try_open(P("sticky/a"), O_WRONLY), "he may still write alice's 0666 file");
    expect_ok(res(rename(P("sticky/bf"), P("sticky/bf2"))), "rename his own file in the sticky dir");
    expect_ok(res(unlink(P("sticky/bf2"))), "unlink his own file in the sticky dir");
    expect_ok(res(unlink(P("sticky2/a"))), "unlink alice's file in sticky2, his own sticky dir");
    ccheckf(exists(P("sticky/a")) && exists(P("sticky/adir")), "alice's entries are all still there");
}

static void sticky_carol(void)
{
    expect_err(res(unlink(P("sticky/mine"))), EPERM, "unlink alice's file in a sticky dir, as carol");
}

static void sticky_alice_again(void)
{
    expect_ok(res(unlink(P("sticky/mine"))), "alice unlinks her own file in the sticky dir");
    expect_ok(res(rmdir(P("sticky/adir"))), "alice removes her own dir in the sticky dir");
}

/* --- set-group-ID directories ------------------------------------------------------------------- */

static void sgid_bob(void)
{
    expect_ok(try_open(P("sgid/bf"), O_CREAT | O_WRONLY), "create sgid/bf");
    ccheckf(gid_of(P("sgid/bf")) == STAFF && perm_of(P("sgid/bf")) == 0644,
            "a file in a set-group-ID dir takes the dir's group (%u), no S_ISGID (0%o)", gid_of(P("sgid/bf")),
            perm_of(P("sgid/bf")));
    expect_ok(res(mkdir(P("sgid/bd"), 0777)), "mkdir sgid/bd");
    ccheckf(gid_of(P("sgid/bd")) == STAFF && perm_of(P("sgid/bd")) == 02755,
            "a dir in a set-group-ID dir takes its group (%u) and S_ISGID (0%o)", gid_of(P("sgid/bd")),
            perm_of(P("sgid/bd")));
    expect_ok(res(mkdir(P("sgid/bd/deeper"), 0700)), "mkdir sgid/bd/deeper");
    ccheckf(gid_of(P("sgid/bd/deeper")) == STAFF && perm_of(P("sgid/bd/deeper")) == 02700,
            "and so on down: gid %u, mode 0%o", gid_of(P("sgid/bd/deeper")), perm_of(P("sgid/bd/deeper")));
    res_t r = res(open(P("sgid/bx"), O_CREAT | O_WRONLY, 02755));
    ccheckf(r.ret >= 0 && perm_of(P("sgid/bx")) == 0755,
            "create with mode 02755 in the dir of a group he is not in -> %s: S_ISGID dropped (0%o)", rs(r),
            perm_of(P("sgid/bx")));
    if (r.ret >= 0)
        close((int)r.ret);
    r = res(open(P("sgid/bn"), O_CREAT | O_WRONLY, 02644));
    ccheckf(r.ret >= 0 && perm_of(P("sgid/bn")) == 02644,
            "create with mode 02644 (no group x) there -> %s: S_ISGID kept (0%o)", rs(r), perm_of(P("sgid/bn")));
    if (r.ret >= 0)
        close((int)r.ret);
    expect_ok(try_open(P("plain-bob"), O_CREAT | O_WRONLY), "create plain-bob in the scratch dir (plain, 0777 for now)");
}

static void sgid_carol(void)
{
    res_t r = res(open(P("sgid/cx"), O_CREAT | O_WRONLY, 02755));
    ccheckf(r.ret >= 0 && perm_of(P("sgid/cx")) == 02755 && gid_of(P("sgid/cx")) == STAFF,
            "create with mode 02755 as a member of the dir's group -> %s: 0%o kept, gid %u", rs(r),
            perm_of(P("sgid/cx")), gid_of(P("sgid/cx")));
    if (r.ret >= 0)
        close((int)r.ret);
}

/* --- chmod, chown ------------------------------------------------------------------------------- */

static void owner_setup(void)
{
    mkdir(P("own"), 0777);
    prepare(P("own/a"), "a", ALICE, ALICE, 0644);
    prepare(P("own/a2"), "a", ALICE, ALICE, 0644);
    prepare(P("own/astaff"), "a", ALICE, STAFF, 0644);
    prepare(P("own/bstaff"), "b", BOB, STAFF, 0644);
    prepare(P("own/suid"), "s", ALICE, ALICE, 04755);
    prepare(P("own/sgidx"), "s", ALICE, ALICE, 02755);
    prepare(P("own/sgidnox"), "s", ALICE, ALICE, 02644);
    prepare(P("own/wsuid"), "w", ALICE, ALICE, 04777);
    prepare(P("own/wsgid"), "w", ALICE, STAFF, 02777);
    prepare(P("own/tsuid"), "t", ALICE, ALICE, 04777);
    prepare(P("own/asuid"), "s", ALICE, ALICE, 04755);
    prepare(P("own/rsuid"), "s", ALICE, ALICE, 06755);
    prepare(P("own/rsgid"), "s", ALICE, ALICE, 02644);
    prepare_dir(P("own/sgiddir"), ALICE, ALICE, 02755);
    prepare(P("own/ut666"), "u", ALICE, ALICE, 0666);
    prepare(P("own/ut644"), "u", ALICE, ALICE, 0644);
    prepare(P("own/ut444"), "u", ALICE, ALICE, 0444);
}

static void owner_alice(void)
{
    expect_ok(res(chmod(P("own/a"), 0600)), "chmod of her own file");
    ccheckf(perm_of(P("own/a")) == 0600, "mode now 0%o", perm_of(P("own/a")));
    expect_ok(res(chmod(P("own/a"), 02755)), "chmod 02755 of her file of her own group");
    ccheckf(perm_of(P("own/a")) == 02755, "S_ISGID kept: 0%o", perm_of(P("own/a")));
    expect_ok(res(chmod(P("own/a"), 01644)), "chmod 01644 of her file");
    ccheckf(perm_of(P("own/a")) == 01644, "S_ISVTX kept on a file: 0%o", perm_of(P("own/a")));
    int fd = open(P("own/a2"), O_RDONLY);
    expect_ok(res(fchmod(fd, 0640)), "fchmod of her own file through an O_RDONLY descriptor");
    close(fd);
    expect_err(res(chmod(P("own/bstaff"), 0666)), EPERM, "chmod of bob's file");

    expect_err(res(chown(P("own/a2"), BOB, (gid_t)-1)), EPERM, "chown(her file, uid bob)");
    expect_ok(res(chown(P("own/a2"), ALICE, (gid_t)-1)), "chown(her file, her own uid): no change, allowed");
    expect_ok(res(chown(P("own/a2"), (uid_t)-1, (gid_t)-1)), "chown(her file, -1, -1)");
    expect_ok(res(chown(P("own/a2"), (uid_t)-1, STAFF)), "chown(her file, -1, %d: a supplementary group of hers)", STAFF);
    ccheckf(gid_of(P("own/a2")) == STAFF, "its group is now %u", gid_of(P("own/a2")));
    expect_err(res(chown(P("own/a2"), (uid_t)-1, 5000)), EPERM, "chown(her file, -1, 5000: not her group)");
    expect_err(res(chown(P("own/bstaff"), (uid_t)-1, STAFF)), EPERM, "chown(bob's file, -1, a group of hers)");
    expect_err(res(lchown(P("own/bstaff"), ALICE, (gid_t)-1)), EPERM, "lchown(bob's file, to herself)");

    expect_ok(res(chown(P("own/suid"), (uid_t)-1, STAFF)), "chown(her 04755 file, -1, staff)");
    ccheckf(perm_of(P("own/suid")) == 0755, "chown cleared S_ISUID: 0%o", perm_of(P("own/suid")));
    expect_ok(res(chown(P("own/sgidx"), (uid_t)-1, PROJ)), "chown(her 02755 file, -1, proj)");
    ccheckf(perm_of(P("own/sgidx")) == 0755, "chown cleared S_ISGID of a group-executable file: 0%o",
            perm_of(P("own/sgidx")));
    expect_ok(res(chown(P("own/sgidnox"), (uid_t)-1, PROJ)), "chown(her 02644 file, -1, proj)");
    ccheckf(perm_of(P("own/sgidnox")) == 02644, "S_ISGID without group x is kept: 0%o", perm_of(P("own/sgidnox")));
    expect_ok(res(chown(P("own/sgiddir"), (uid_t)-1, STAFF)), "chown(her 02755 dir, -1, staff)");
    ccheckf(perm_of(P("own/sgiddir")) == 02755, "a directory keeps its S_ISGID: 0%o", perm_of(P("own/sgiddir")));

    /* her own set-user-ID file: she has no CAP_FSETID, so her write clears it */
    fd = open(P("own/asuid"), O_WRONLY);
    write(fd, "x", 1);
    close(fd);
    ccheckf(perm_of(P("own/asuid")) == 0755, "a write by the owner (not root) clears S_ISUID: 0%o",
            perm_of(P("own/asuid")));

    struct timespec t[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
    expect_ok(res(utimensat(AT_FDCWD, P("own/ut444"), t, 0)), "utimensat(explicit) of her own 0444 file");
    expect_ok(res(utimensat(AT_FDCWD, P("own/ut444"), NULL, 0)), "utimensat(NULL) of her own 0444 file");
}

static void owner_bob(void)
{
    expect_err(res(chmod(P("own/a2"), 0777)), EPERM, "chmod of alice's file");
    int fd = open(P("own/ut644"), O_RDONLY);
    expect_err(res(fchmod(fd, 0777)), EPERM, "fchmod of alice's file");
    close(fd);
    expect_ok(res(chmod(P("own/bstaff"), 02755)), "chmod 02755 of his file whose group (staff) is not his");
    ccheckf(perm_of(P("own/bstaff")) == 0755, "S_ISGID silently dropped: 0%o", perm_of(P("own/bstaff")));
    expect_err(res(chown(P("own/astaff"), (uid_t)-1, BOB)), EPERM, "chown(alice's file, -1, his group)");

    fd = open(P("own/wsuid"), O_WRONLY);
    write(fd, "x", 1);
    close(fd);
    ccheckf(perm_of(P("own/wsuid")) == 0777, "his write to alice's 04777 file clears S_ISUID: 0%o",
            perm_of(P("own/wsuid")));
    fd = open(P("own/wsgid"), O_WRONLY);
    write(fd, "x", 1);
    close(fd);
    ccheckf(perm_of(P("own/wsgid")) == 0777, "his write to a 02777 (group x) file clears S_ISGID: 0%o",
            perm_of(P("own/wsgid")));
    expect_ok(res(truncate(P("own/tsuid"), 0)), "truncate of alice's 04777 file");
    ccheckf(perm_of(P("own/tsuid")) == 0777, "truncate clears S_ISUID too: 0%o", perm_of(P("own/tsuid")));

    struct timespec t[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
    struct timespec now[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
    struct timespec omit_set[2] = { { 0, UTIME_OMIT }, { 1000000000, 0 } };
    struct timespec omit[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };
    expect_ok(res(utimensat(AT_FDCWD, P("own/ut666"), NULL, 0)), "utimensat(NULL) of alice's file he may write");
    expect_ok(res(utimensat(AT_FDCWD, P("own/ut666"), now, 0)), "utimensat(UTIME_NOW, UTIME_NOW) of it");
    expect_err(res(utimensat(AT_FDCWD, P("own/ut666"), t, 0)), EPERM, "utimensat(explicit) of it: only the owner");
    expect_err(res(utimensat(AT_FDCWD, P("own/ut666"), omit_set, 0)), EPERM, "utimensat(UTIME_OMIT, explicit) of it");
    expect_ok(res(utimensat(AT_FDCWD, P("own/ut666"), omit, 0)), "utimensat(UTIME_OMIT, UTIME_OMIT) of it");
    expect_err(res(utimensat(AT_FDCWD, P("own/ut644"), NULL, 0)), EACCES, "utimensat(NULL) of a file he may not write");
    expect_err(res(utimensat(AT_FDCWD, P("own/ut644"), t, 0)), EPERM, "utimensat(explicit) of a file he may not write");
}

static void owner_root(void)
{
    /* root (with CAP_FSETID) writing keeps the bits; root's chown clears them */
    int fd = open(P("own/rsuid"), O_WRONLY);
    write(fd, "x", 1);
    close(fd);
    ccheckf(perm_of(P("own/rsuid")) == 06755, "root's write keeps S_ISUID|S_ISGID: 0%o", perm_of(P("own/rsuid")));
    expect_ok(res(chown(P("own/rsuid"), BOB, BOB)), "root: chown(06755 file, bob, bob)");
    ccheckf(perm_of(P("own/rsuid")) == 0755, "root's chown clears S_ISUID and S_ISGID (group x): 0%o",
            perm_of(P("own/rsuid")));
    expect_ok(res(chown(P("own/rsgid"), BOB, BOB)), "root: chown(02644 file, bob, bob)");
    ccheckf(perm_of(P("own/rsgid")) == 02644, "S_ISGID without group x survives root's chown: 0%o",
            perm_of(P("own/rsgid")));
    expect_ok(res(chmod(P("own/ut644"), 0640)), "root: chmod of alice's file");
    expect_ok(res(chown(P("own/ut644"), BOB, 5000)), "root: chown to any uid and gid");
    struct stat st;
    stat(P("own/ut644"), &st);
    ccheckf(st.st_uid == BOB && st.st_gid == 5000, "owner now %u:%u", st.st_uid, st.st_gid);
}

/* --- real against effective ids --------------------------------------------------------------- */

static void ids_setup(void)
{
    mkdir(P("ids"), 0755);
    prepare(P("ids/alice400"), "a", ALICE, ALICE, 0400);
    prepare(P("ids/bob400"), "b", BOB, BOB, 0400);
    prepare(P("ids/none"), "n", 0, 0, 0);
    prepare(P("ids/staff040"), "s", 0, STAFF, 0040);
}

static void ids_alice_as_bob(void)
{
    expect_ok(res(access(P("ids/alice400"), R_OK)), "access(R_OK) uses the real uid (alice's 0400 file)");
    expect_err(res(sys_faccessat2(AT_FDCWD, P("ids/alice400"), R_OK, AT_EACCESS)), EACCES,
               "faccessat2(R_OK, AT_EACCESS) uses the effective uid (bob)");
    expect_err(try_open(P("ids/alice400"), O_RDONLY), EACCES, "open uses the effective uid");
    expect_err(res(access(P("ids/bob400"), R_OK)), EACCES, "access(R_OK) of bob's 0400 file, real uid alice");
    expect_ok(res(sys_faccessat2(AT_FDCWD, P("ids/bob400"), R_OK, AT_EACCESS)), "faccessat2(AT_EACCESS) of bob's file");
    expect_ok(try_open(P("ids/bob400"), O_RDONLY), "open of bob's file");
    expect_ok(res(syscall(SYS_faccessat, AT_FDCWD, P("ids/alice400"), R_OK)), "faccessat (no flags) uses the real uid");
    ccheckf(getuid() == ALICE && geteuid() == BOB, "ids are real %u, effective %u", getuid(), geteuid());
    expect_err(try_open(P("ids/new"), O_CREAT | O_WRONLY), EACCES, "create in root's 0755 dir as effective bob");
}

static void ids_root_as_bob(void)
{
    expect_ok(res(access(P("ids/none"), R_OK | W_OK)), "real root: access(R_OK|W_OK) of a 0000 file");
    expect_err(res(sys_faccessat2(AT_FDCWD, P("ids/none"), R_OK, AT_EACCESS)), EACCES,
               "effective bob: faccessat2(AT_EACCESS) of it");
    expect_err(try_open(P("ids/none"), O_RDONLY), EACCES, "effective bob: open of it");
}

static void ids_bob_real_staff(void)
{
    expect_ok(res(access(P("ids/staff040"), R_OK)), "access(R_OK) of a 0040 staff file uses the real gid (staff)");
    expect_err(res(sys_faccessat2(AT_FDCWD, P("ids/staff040"), R_OK, AT_EACCESS)), EACCES,
               "faccessat2(AT_EACCESS) uses the effective gid (bob's)");
    expect_err(try_open(P("ids/staff040"), O_RDONLY), EACCES, "open uses the effective gid");
}

int main(void)
{
    umask(022);
    scratch_init("test_perm");
    if (geteuid() != 0) {
        skipf("test_perm must run as root (it drops to other users itself)");
        scratch_cleanup();
        return check_summary();
    }
    chmod(scratch, 0755);
    chdir("/");

    bits_setup();
    as(&alice, bits_alice);
    as(&carol, bits_carol);
    as(&carol_alone, bits_carol_alone);
    as(&bob, bits_bob);
    as(&root_user, bits_root);

    dirs_setup();
    as(&bob, dirs_bob);

    prepare_dir(P("sticky"), 0, 0, 01777);
    prepare_dir(P("sticky2"), BOB, BOB, 01777);
    as(&alice, sticky_alice);
    as(&bob, sticky_bob);
    as(&carol, sticky_carol);
    as(&alice, sticky_alice_again);
    expect_ok(res(unlink(P("sticky/a"))), "root unlinks alice's file in the sticky dir");

    prepare_dir(P("sgid"), 0, STAFF, 02777);
    chmod(scratch, 0777); /* bob creates one file outside sgid/ too */
    as(&bob, sgid_bob);
    as(&carol, sgid_carol);
    checkf(gid_of(P("plain-bob")) == BOB, "a file in a plain dir takes the creator's gid (%u)", gid_of(P("plain-bob")));
    chmod(scratch, 0755);

    owner_setup();
    as(&alice, owner_alice);
    as(&bob, owner_bob);
    owner_root();

    ids_setup();
    as(&alice_as_bob, ids_alice_as_bob);
    as(&root_as_bob, ids_root_as_bob);
    as(&bob_real_staff, ids_bob_real_staff);

    scratch_cleanup();
    return check_summary();
}
