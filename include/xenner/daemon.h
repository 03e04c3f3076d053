/* SPDX-License-Identifier: MIT */
/* Start-up helpers shared by the daemons (evtchnd, blkbackd, netbackd). */
#ifndef XENNER_DAEMON_H
#define XENNER_DAEMON_H

#include <stdbool.h>

/*
 * Writes our pid to path.  Dies if the file names another live process
 * (the daemon runs twice); a pidfile naming us (xenner-dom0 wrote it) or a
 * dead process is overwritten.
 */
void daemon_write_pidfile(const char *path, const char *prog);
/* Forks into the background; keeps stderr unless logging goes to syslog. */
void daemon_detach(bool syslog);
/* Points stdin and stdout (and stderr with syslog) at /dev/null. */
void daemon_detach_stdio(bool syslog);

#endif
