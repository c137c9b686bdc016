/*
 * The "#!" line of an interpreter script, parsed as Linux's binfmt_script
 * does (execve, POSIX-DESIGN R6.3). Pure C with no kernel dependencies, so it
 * runs in host unit tests.
 *
 * The loader reads the first SHEBANG_BUF_SIZE bytes of the file, zero-filled
 * past its end (Linux's BINPRM_BUF_SIZE, 256 since 5.1). After "#!": spaces
 * and tabs are skipped, the interpreter's path runs to the next space, tab,
 * NUL or the end of the line, and the rest of the line -- spaces and tabs
 * trimmed at both ends, inner ones kept -- is one optional argument. A line
 * longer than the buffer is fine as long as the interpreter's path ends
 * within it (the argument is then cut); a path that may be cut off is
 * refused, as is a line with no path at all.
 */
#ifndef KENIX_LIB_SHEBANG_H
#define KENIX_LIB_SHEBANG_H

#include <stddef.h>

#define SHEBANG_BUF_SIZE 256u

/*
 * buf holds the file's first SHEBANG_BUF_SIZE bytes (zero-padded). Returns 1
 * if they do not start with "#!" (not a script: nothing changed); 0 for a
 * script, with *interp and *arg (NULL: none) pointing into buf, each
 * NUL-terminated there (buf is modified); -8 (-ENOEXEC) for a script whose
 * line names no interpreter or may cut its path off.
 */
int shebang_parse(char buf[SHEBANG_BUF_SIZE], const char **interp, const char **arg);

#endif
