/* systemd-coredump's metadata: the user.coredump.* extended attributes it
 * puts on the core files it stores. */
#ifndef COR_COREDUMP_H
#define COR_COREDUMP_H

#include "internal.h"

/* Fills cd from the attributes of the open file fd (strings in a);
 * false when it has none of them. */
bool coredump_from_fd(int fd, struct cor_coredump *cd, struct arena *a);

#endif
